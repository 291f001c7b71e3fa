"""``reboot_instance`` (opt-in): reboot an instance whose CPU or memory is saturated.

Only when the policy's fixes.auto lists it; otherwise the step says what to do by hand.
Provider path: ``tencentcloud.cvm.RebootInstance`` after the adopted instance, before the guest fixes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from tcremedy.diagnose.codes import manual_text
from tcremedy.remediate.fixes.base import (
    FIXES,
    Fix,
    FixResource,
    FixStep,
    ProviderProgram,
    StepInput,
    evidence_values,
)

if TYPE_CHECKING:
    import pulumi


@FIXES.register
class RebootInstance(Fix):
    name = "reboot_instance"
    closes = ("CPU_SATURATED", "MEMORY_SATURATED")
    opt_in = True
    kind = "reboot"
    scope = "instance"
    provider_type = "tencentcloud:Cvm/rebootInstance:RebootInstance"
    dynamic_type = "InstanceReboot"
    dynamic_provider = "tcremedy.remediate.sdk_instances:InstanceRebootProvider"
    dynamic_order = 3  # after a start, a bandwidth change and a password reset
    noun = ("instance", "instances")
    verb = "to reboot"
    stands_for_instance = True
    provider_order = 0  # before the guest fixes: they run on the rebooted guest

    def steps(self, given: StepInput) -> list[FixStep]:
        inst, f = given.instance, given.finding
        iid = inst.instance_id
        params = {"instance_id": iid, "region": inst.region, "trigger": given.trigger}
        step = self.auto(
            given,
            FixResource(self.kind, f"reboot-{iid}", self.name, iid, params),
            f"Reboot the instance: {f.message}",
        )
        return [step if step.auto else replace(step, manual=manual_text(f.code, **evidence_values(f)))]

    def provider_resource(
        self, program: ProviderProgram, res: FixResource, depends_on: Sequence[pulumi.Resource]
    ) -> pulumi.Resource:
        import pulumi
        import tencentcloud_iac_pulumi as tencentcloud

        trigger = self.provider_trigger(res)
        opts = pulumi.ResourceOptions(depends_on=list(depends_on), replacement_trigger=trigger)
        return tencentcloud.cvm.RebootInstance(
            res.key, instance_id=res.instance_id, stop_type="SOFT_FIRST", opts=opts
        )
