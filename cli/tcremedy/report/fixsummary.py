"""Fixes summarised at resource level, terraform-style: "9 instances need fixes: 2 security-group rules
to add, 3 instances to change, 2 guest fixes; 1 manual step".

Counted from the planner's resources (``ProposedFix.resource``: kind + key), so 54 ``sg_allow_rdp``
steps that write the same two rules count as two rules. One home for this sentence: the terminal
report, the Markdown summary and the apply preview all call ``fix_summary``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tcremedy.remediate.fixes import FIXES
from tcremedy.remediate.fixes import FixStep as ProposedFix

# Resource kinds that change the instance itself (bandwidth, running, reboot, password): from the registry.
INSTANCE_KINDS = frozenset(f.kind for f in FIXES.automatic() if f.stands_for_instance)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


@dataclass(frozen=True)
class FixSummary:
    instances: int  # instances with at least one proposed fix
    sg_rules: int  # distinct security-group rules to add
    acl_entries: int  # distinct network-ACL entries to add
    instances_changed: int  # distinct instances whose own settings change (bandwidth, state, password)
    guest_fixes: int  # guest scripts to run
    manual: int  # steps a person has to take (no automatic fix, or one the policy does not allow)

    @property
    def changes(self) -> str:
        """The automatic part: "2 security-group rules to add, 3 instances to change, 2 guest fixes"."""
        parts = []
        if self.sg_rules:
            parts.append(_plural(self.sg_rules, "security-group rule") + " to add")
        if self.acl_entries:
            parts.append(_plural(self.acl_entries, "network-ACL entry", "network-ACL entries") + " to add")
        if self.instances_changed:
            parts.append(_plural(self.instances_changed, "instance") + " to change")
        if self.guest_fixes:
            parts.append(_plural(self.guest_fixes, "guest fix", "guest fixes"))
        return ", ".join(parts)

    def line(self) -> str:
        """The closing sentence of a plan."""
        if not self.instances:
            return "No changes: nothing to fix."
        text = f"{_plural(self.instances, 'instance')} {'needs' if self.instances == 1 else 'need'} fixes: "
        text += self.changes or "nothing automatic"
        if self.manual:
            text += f"; {_plural(self.manual, 'manual step')}"
        return text + "."


def is_automatic(fix: ProposedFix) -> bool:
    return fix.auto and fix.fix != "manual"


def fix_summary(fixes: Sequence[ProposedFix] | Iterable[ProposedFix]) -> FixSummary:
    fixes = list(fixes)
    keys: dict[str, set[str]] = {}
    changed: set[str] = set()
    for fix in fixes:
        if not is_automatic(fix) or fix.resource is None:
            continue
        kind = fix.resource.kind
        keys.setdefault(kind, set()).add(fix.resource.key)
        if kind in INSTANCE_KINDS:
            changed.add(fix.resource.instance_id or fix.instance_id)
    return FixSummary(
        instances=len({f.instance_id for f in fixes}),
        sg_rules=len(keys.get("sg_rule", ())),
        acl_entries=len(keys.get("acl_entry", ())),
        instances_changed=len(changed),
        guest_fixes=len(keys.get("guest_fix", ())),
        manual=sum(1 for f in fixes if not is_automatic(f)),
    )
