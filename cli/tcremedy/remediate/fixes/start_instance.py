"""``start_instance``: StartInstances for a STOPPED instance, and what to do in every other state.

The check decides (``diagnose/checks/instance.py``): only STOPPED gets this fix; StartInstances
accepts nothing else. For the other states DescribeInstances documents (InstanceState in the SDK's
``cvm/v20170312/models.py``, ``InstanceStatus``) the step says what to do by hand: transitional
states are waited for, a failed launch or an instance awaiting destruction cannot be started.

Provider path: the adopted instance's ``running_flag``.
"""

from __future__ import annotations

from typing import Any

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.policy.model import Policy
from tcremedy.remediate.fixes.base import (
    FIXES,
    Fix,
    FixResource,
    FixStep,
    ProviderProgram,
    StepInput,
    manual_step,
)

# InstanceState -> what to do by hand (the states StartInstances refuses).
STATE_TEXT: dict[str, str] = {
    "PENDING": "The instance is being created (PENDING); wait until it is RUNNING, then re-run "
    "`tcremedy plan`.",
    "LAUNCH_FAILED": "The instance failed to launch (LAUNCH_FAILED); it cannot be started: create it again.",
    "SHUTDOWN": "The instance is stopped and awaiting destruction (SHUTDOWN, recycle bin); restore or "
    "renew it in the console (CVM > Recycle Bin) before it can be started.",
    "TERMINATING": "The instance is being destroyed (TERMINATING); it cannot be started.",
    "RESCUE_MODE": "The instance is in rescue mode (RESCUE_MODE); exit it in the console (CVM > More > Exit "
    "Rescue Mode), then re-run `tcremedy plan`.",
}
WAIT_TEXT = (
    "The instance is {state} (an operation is in progress); wait until it settles, then re-run "
    "`tcremedy plan`."
)


@FIXES.register
class StartInstance(Fix):
    name = "start_instance"
    closes = ("INSTANCE_NOT_RUNNING",)
    kind = "running"
    scope = "instance"
    provider_type = "tencentcloud:Instance/instance:Instance"  # the adopted instance's running_flag
    provider_adopts = True
    dynamic_type = "InstanceRunning"
    dynamic_provider = "tcremedy.remediate.sdk_instances:InstanceRunningProvider"
    dynamic_order = 0  # started first
    noun = ("instance", "instances")
    verb = "to start"
    stands_for_instance = True

    def manual(self, given: StepInput) -> list[FixStep]:
        """The check chose no fix (the state is not STOPPED): what to do, by state."""
        state = given.instance.state or "not running"
        return [manual_step(given.finding, STATE_TEXT.get(state, WAIT_TEXT.format(state=state)))]

    def steps(self, given: StepInput) -> list[FixStep]:
        inst = given.instance
        iid = inst.instance_id
        res = FixResource(
            self.kind, f"running-{iid}", self.name, iid, {"instance_id": iid, "region": inst.region}
        )
        return [
            self.auto(
                given,
                res,
                f"Start the instance (now {inst.state or 'not running'}) and wait until it is RUNNING.",
            )
        ]

    def still_wanted(self, res: FixResource, policy: Policy, state: LiveState) -> bool:
        return res.instance_id in state.instances and policy.instance.must_be_running

    def provider_inputs(self, program: ProviderProgram, res: FixResource, inst: Instance) -> dict[str, Any]:
        return {"running_flag": True}
