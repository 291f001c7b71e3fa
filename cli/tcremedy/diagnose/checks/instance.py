"""Checks on the instance itself: isolation, run state, and gaps in what was read about it."""

from __future__ import annotations

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.checks.base import CHECKS, Check
from tcremedy.diagnose.findings import Finding, Severity
from tcremedy.diagnose.readings import gap_reason
from tcremedy.policy.model import Policy

# DescribeInstances' documented values (tencentcloud-sdk-python cvm/v20170312/models.py, ``Instance``):
# RestrictState NORMAL | EXPIRED | PROTECTIVELY_ISOLATED; IsolatedSource ARREAR | EXPIRE | MANMADE |
# NOTISOLATED. InstanceState (``InstanceStatus``): only STOPPED can be started (StartInstances).
ISOLATED_SOURCES = frozenset({"ARREAR", "EXPIRE", "MANMADE"})
STARTABLE_STATE = "STOPPED"


@CHECKS.register("INSTANCE_ISOLATED")
class InstanceIsolated(Check):
    """RestrictState must be NORMAL and IsolatedSource not an isolation: isolation (arrears, expiry,
    return, security) blocks public access. Never fixed as code (``renew_instance`` says what to do)."""

    severity = Severity.CRITICAL

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        restricted = instance.restrict_state not in ("", "NORMAL")
        if not restricted and instance.isolated_source not in ISOLATED_SOURCES:
            return []
        source = f" ({instance.isolated_source})" if instance.isolated_source else ""
        return [
            self.fail(
                instance,
                f"Instance is restricted: RestrictState={instance.restrict_state or 'NORMAL'}{source}; "
                "settle arrears/renew or lift the isolation by ticket",
                {"restrict_state": instance.restrict_state, "isolated_source": instance.isolated_source},
            )
        ]


@CHECKS.register("INSTANCE_NOT_RUNNING")
class InstanceNotRunning(Check):
    """InstanceState must be RUNNING (policy ``instance.must_be_running``)."""

    severity = Severity.CRITICAL
    fix = "start_instance"

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        if not policy.instance.must_be_running or instance.state == "RUNNING":
            return []
        if not instance.state:
            reason = gap_reason(state, "instance", instance.instance_id, "InstanceState was not reported")
            return [self.unknown(instance, reason)]
        # The check decides: only a STOPPED instance can be started; in any other state (transitional,
        # failed launch, awaiting destruction, rescue mode) the planner says what to do by hand.
        fix = self.fix if instance.state == STARTABLE_STATE else None
        evidence = {
            "instance_state": instance.state,
            "latest_operation": instance.latest_operation,
            "latest_operation_state": instance.latest_operation_state,
        }
        return [self.fail(instance, f"Instance is {instance.state}, not RUNNING", evidence, fix=fix)]


@CHECKS.register("UNKNOWN")
class InstanceDataGap(Check):
    """Collection gaps recorded against the instance itself (e.g. a failed status or metadata read)."""

    severity = Severity.MEDIUM

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        reason = gap_reason(state, "instance", instance.instance_id)
        return [self.unknown(instance, reason)] if reason else []
