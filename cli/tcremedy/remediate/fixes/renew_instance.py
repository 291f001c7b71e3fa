"""``renew_instance`` (manual): an isolated instance is restored by paying or renewing, not as code.

IsolatedSource and RestrictState as DescribeInstances documents them (the SDK's
``cvm/v20170312/models.py``, ``Instance``): ARREAR (arrears), EXPIRE (expired), MANMADE (returned by
its owner); EXPIRED, PROTECTIVELY_ISOLATED (security isolation: a ticket lifts it).
"""

from __future__ import annotations

from tcremedy.remediate.fixes.base import FIXES, Fix, FixStep, StepInput, hand_step

NOT_ISOLATED = ("", "NORMAL", "NOTISOLATED")


@FIXES.register
class RenewInstance(Fix):
    name = "renew_instance"
    closes = ("INSTANCE_ISOLATED",)

    def manual(self, given: StepInput) -> list[FixStep]:
        inst = given.instance
        parts = [p for p in (inst.restrict_state, inst.isolated_source) if p not in NOT_ISOLATED]
        return [hand_step(given.finding, source=", ".join(parts) or "restricted")]
