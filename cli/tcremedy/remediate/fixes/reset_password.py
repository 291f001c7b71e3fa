"""``reset_password`` (opt-in): reset the Administrator password from the environment variable the
policy names (``fixes.password_env``); the value is a Pulumi secret, never stored in plain text.
The instance is force-stopped and started again.

Provider path: the adopted instance's ``password`` input, as a Pulumi secret, with ``running_flag``
true: the provider leaves the instance stopped after its ForceStop reset, apply's next pass starts it
through ``running_flag`` (``remediate.provider_passes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.codes import manual_text
from tcremedy.policy.model import Policy
from tcremedy.remediate.fixes.base import (
    FIXES,
    Fix,
    FixResource,
    FixStep,
    ProviderProgram,
    StepInput,
    not_automatic,
)


@FIXES.register
class ResetPassword(Fix):
    name = "reset_password"
    closes = ("PASSWORD_RESET_FAILED",)
    opt_in = True
    kind = "password"
    scope = "instance"
    provider_type = "tencentcloud:Instance/instance:Instance"  # the adopted instance's password input
    provider_adopts = True
    dynamic_type = "InstancePassword"
    dynamic_provider = "tcremedy.remediate.sdk_instances:InstancePasswordProvider"
    dynamic_order = 2
    noun = ("password", "passwords")
    verb = "to reset"
    stands_for_instance = True

    def steps(self, given: StepInput) -> list[FixStep]:
        inst, f, var = given.instance, given.finding, given.policy.fixes.password_env
        iid = inst.instance_id
        params = {
            "instance_id": iid,
            "region": inst.region,
            "user_name": "Administrator",
            "password_env": var or "",
            "trigger": given.trigger,
        }
        step = self.auto(
            given,
            FixResource(self.kind, f"password-{iid}", self.name, iid, params),
            f"Reset the Administrator password from ${var} (kept secret); the instance is force-stopped "
            "and started again.",
        )
        if step.auto and (not var or var not in given.env):
            return [
                not_automatic(
                    step,
                    f"Set the environment variable {var or '<password_env>'} "
                    "to the new password and re-run `tcremedy apply`.",
                )
            ]
        return [step if step.auto else replace(step, manual=manual_text(f.code))]

    def still_wanted(self, res: FixResource, policy: Policy, state: LiveState) -> bool:
        return (
            res.instance_id in state.instances
            and bool(policy.fixes.password_env)
            and res.params.get("password_env") == policy.fixes.password_env
        )

    def violations(self, params, limits):  # type: ignore[no-untyped-def]
        if not limits.password_env or params.get("password_env") != limits.password_env:
            return ["password_env is not the policy's fixes.password_env"]
        return []

    def dynamic_inputs(self, res: FixResource, passwords: Mapping[str, str]) -> dict[str, Any]:
        import pulumi

        # A Pulumi secret: encrypted in state, never an output. An empty value on a kept (carried-over)
        # fix changes nothing: the provider diffs the trigger, not the password.
        return {**res.params, "password": pulumi.Output.secret(passwords.get(res.instance_id, ""))}

    def provider_inputs(self, program: ProviderProgram, res: FixResource, inst: Instance) -> dict[str, Any]:
        password = program.passwords.get(res.instance_id)
        if not password:  # a kept fix with no value this run: nothing to set
            return {}
        import pulumi

        # the provider resets with ForceStop and never starts the instance: running_flag does, in
        # apply's next pass, once Read has seen it stopped (as the SDK path ends)
        return {"password": pulumi.Output.secret(password), "running_flag": True}
