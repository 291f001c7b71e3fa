"""What the guest fixes share: one in-guest script run through the TAT agent (``tcremedy.guest``).

Each guest fix is its own module declaring its name, the codes it closes and its script; scripts
that act on a port get the policy's RDP port. The script runs once per ``trigger`` (a new occurrence
of the finding) and again when the script itself changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from tcremedy.cloud.state import LiveState
from tcremedy.guest.fixes import PORT_FIXES, REVERTIBLE
from tcremedy.policy.model import Policy
from tcremedy.remediate.fixes.base import Fix, FixResource, FixStep, StepInput
from tcremedy.remediate.limits import Limits, whole


class GuestFix(Fix):
    script: ClassVar[str] = ""  # guest fix script name (tcremedy.guest.fixes.FIX_NAMES)
    kind = "guest_fix"
    scope = "instance"
    provider_type = "tencentcloud:Tat/invocationCommandAttachment:InvocationCommandAttachment"
    dynamic_type = "GuestFix"
    noun = ("guest fix", "guest fixes")
    verb = "to run"

    def scripts(self) -> tuple[str, ...]:
        """Every script this fix may run (a fix whose script the policy chooses has several)."""
        return (self.script,)

    def script_for(self, policy: Policy) -> str:
        return self.script

    def steps(self, given: StepInput) -> list[FixStep]:
        inst, f = given.instance, given.finding
        iid, script = inst.instance_id, self.script_for(given.policy)
        params: dict[str, Any] = {
            "instance_id": iid,
            "region": inst.region,
            "script": script,
            "trigger": given.trigger,
        }
        if script in PORT_FIXES:
            params["port"] = given.policy.rdp.port
        if script in REVERTIBLE:  # the lock-out guard: the guest reverts unless apply verifies access
            params["revert_minutes"] = given.policy.guest.revert_minutes
        res = FixResource(self.kind, f"guest-{script}-{iid}", self.name, iid, params)
        why = f"Run the guest fix `{script}` through the TAT agent: {f.message}"
        return [self.auto(given, res, why)]

    def still_wanted(self, res: FixResource, policy: Policy, state: LiveState) -> bool:
        if res.instance_id not in state.instances:
            return False
        return "port" not in res.params or res.params["port"] == policy.rdp.port

    def violations(self, params: Mapping[str, Any], limits: Limits) -> list[str]:
        found = []
        if params.get("script") not in self.scripts():
            found.append(f"script {params.get('script')!r} is not a script of {self.name!r}")
        if "port" in params and whole(params.get("port")) != limits.port:
            found.append(f"port {params.get('port')!r} is not the policy's RDP port {limits.port}")
        return found
