"""``reboot_instance`` (opt-in): reboot an instance whose CPU or memory is saturated.

Only when the policy's fixes.auto lists it; otherwise the step says what to do by hand.
"""

from __future__ import annotations

from dataclasses import replace

from tcremedy.diagnose.codes import manual_text
from tcremedy.remediate.fixes.base import FIXES, Fix, FixResource, FixStep, StepInput, evidence_values


@FIXES.register
class RebootInstance(Fix):
    name = "reboot_instance"
    closes = ("CPU_SATURATED", "MEMORY_SATURATED")
    opt_in = True
    kind = "reboot"
    scope = "instance"
    provider_type = "tencentcloud:Cvm/rebootInstance:RebootInstance"
    dynamic_type = "InstanceReboot"
    noun = ("instance", "instances")
    verb = "to reboot"
    stands_for_instance = True

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
