"""What the guest fixes share: one in-guest script run through the TAT agent (``tcremedy.guest``).

Each guest fix is its own module declaring its name, the codes it closes and its script; scripts
that act on a port get the policy's RDP port. The script runs once per ``trigger`` (a new occurrence
of the finding) and again when the script itself changes.

Provider path: ``tencentcloud.tat.InvocationCommandAttachment`` running the script in the Windows
working directory as System (both declared, so the provider's Read, which sets them, finds nothing
to replace), only once the instance is RUNNING with its agent Online after the instance's other
steps (``ProviderProgram.gate``); its invocation id is exported (``INVOCATIONS_OUTPUT``) so ``apply``
waits for the tasks and fails the step with the script's output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from tcremedy.cloud.state import LiveState
from tcremedy.guest.fixes import (
    COMMAND_NAME_PREFIX,
    PORT_FIXES,
    REVERTIBLE,
    RUN_AS,
    WORKING_DIRECTORY,
    encoded_script,
    script_digest,
)
from tcremedy.policy.model import Policy
from tcremedy.remediate.fixes.base import Fix, FixResource, FixStep, ProviderProgram, StepInput
from tcremedy.remediate.limits import Limits, whole

if TYPE_CHECKING:
    import pulumi

INVOCATIONS_OUTPUT = "guestInvocations"  # stack output: guest fix key -> its invocation id


class GuestFix(Fix):
    script: ClassVar[str] = ""  # guest fix script name (tcremedy.guest.fixes.FIX_NAMES)
    kind = "guest_fix"
    scope = "instance"
    provider_type = "tencentcloud:Tat/invocationCommandAttachment:InvocationCommandAttachment"
    dynamic_type = "GuestFix"
    dynamic_provider = "tcremedy.remediate.sdk_guest:GuestFixProvider"
    dynamic_outputs = ("invocation_id",)
    dynamic_order = 4  # last: it needs a started guest, its password reset and reboot done
    provider_outputs = (INVOCATIONS_OUTPUT,)
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

    def dynamic_inputs(self, res: FixResource, passwords: Mapping[str, str]) -> dict[str, Any]:
        p = res.params
        return {**p, "digest": script_digest(p["script"], p.get("port"), p.get("revert_minutes"))}

    def provider_trigger(self, res: FixResource) -> str:
        """Also a changed script re-runs it."""
        p = res.params
        return f"{p.get('trigger', '')}/{script_digest(p['script'], p.get('port'), p.get('revert_minutes'))}"

    def provider_resource(
        self, program: ProviderProgram, res: FixResource, depends_on: Sequence[pulumi.Resource]
    ) -> pulumi.Resource:
        import pulumi
        import tencentcloud_iac_pulumi as tencentcloud

        name, port = res.params["script"], res.params.get("port")
        fix = tencentcloud.tat.InvocationCommandAttachment(
            res.key,
            instance_id=program.gate(res.instance_id, res.key, depends_on),
            content=encoded_script(name, port, res.params.get("revert_minutes")),
            command_type="POWERSHELL",
            command_name=f"{COMMAND_NAME_PREFIX}{name}",
            working_directory=WORKING_DIRECTORY,
            username=RUN_AS,
            timeout=120,
            opts=pulumi.ResourceOptions(
                depends_on=list(depends_on), replacement_trigger=self.provider_trigger(res)
            ),
        )
        program.exports[INVOCATIONS_OUTPUT][res.key] = fix.id
        return fix
