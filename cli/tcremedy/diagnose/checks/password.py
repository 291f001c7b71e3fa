"""The password check: a failed ResetInstancesPassword leaves the admin without a working password."""

from __future__ import annotations

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.checks.base import CHECKS, Check
from tcremedy.diagnose.findings import Finding, Severity
from tcremedy.policy.model import Policy


@CHECKS.register("PASSWORD_RESET_FAILED")
class PasswordResetFailed(Check):
    """The latest operation was ResetInstancesPassword and it FAILED."""

    severity = Severity.HIGH
    fix = "reset_password"

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        if (
            instance.latest_operation != "ResetInstancesPassword"
            or instance.latest_operation_state != "FAILED"
        ):
            return []
        detail = f": {instance.latest_operation_error_msg}" if instance.latest_operation_error_msg else ""
        return [
            self.fail(
                instance,
                f"The last password reset failed{detail}",
                {
                    "latest_operation": instance.latest_operation,
                    "latest_operation_state": instance.latest_operation_state,
                    "latest_operation_error_msg": instance.latest_operation_error_msg,
                },
            )
        ]
