"""Guardrails on a Pulumi preview: refuse anything that would replace or delete what tcremedy must
not touch. Pure: it judges the step operations the preview reported (``resource_pre_event``).

Rules:

* an instance (the adopted ``tencentcloud:Instance`` or a dynamic resource acting on one instance)
  is never replaced: that would mean a new instance, or acting on a different one;
* a resource tcremedy did not create (anything not in ``OWNED_TYPES``, e.g. the adopted instance or
  the adopted network ACL ``tencentcloud:Vpc/acl:Acl``) is never replaced or deleted; an update (its
  managed properties, e.g. the ACL's entry lists) is allowed;
* tcremedy's own rules and ACL entries may be updated, replaced or deleted (a fix the policy no longer
  wants; deleting one removes only tcremedy's entry), and its own instance settings may be deleted
  (that only forgets them; the instance is left as it is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tcremedy.remediate.fixes import FIXES

REPLACE_OPS = frozenset(
    {
        "replace",
        "create-replacement",
        "delete-replaced",
        "discard-replaced",
        "import-replacement",
        "read-replacement",
    }
)
DELETE_OPS = frozenset({"delete", "discard"})

PROVIDER_INSTANCE = "tencentcloud:Instance/instance:Instance"
PROVIDER_ACL = "tencentcloud:Vpc/acl:Acl"  # adopted: its entry lists may change, the ACL never goes

# Types whose resources tcremedy creates and therefore owns; types that stand for (or act on) one
# instance, never replaced. Both come from the fix registry (each fix declares its two backends' types).
OWNED_TYPES = FIXES.owned_types()
INSTANCE_TYPES = FIXES.instance_types()
# Engine bookkeeping, not cloud resources.
IGNORED_TYPE_PREFIXES = ("pulumi:pulumi:Stack", "pulumi:providers:")


@dataclass(frozen=True)
class StepOp:
    """One step of a preview: ``op`` (create, update, replace, delete...) on ``urn`` of ``type``."""

    op: str
    urn: str
    type: str
    keys: tuple[str, ...] = ()  # properties forcing a replacement

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


def violations(ops: Iterable[StepOp]) -> list[str]:
    """One message per refused step; [] when every step is allowed."""
    found: list[str] = []
    for step in ops:
        if step.type.startswith(IGNORED_TYPE_PREFIXES):
            continue
        because = f" (because of: {', '.join(step.keys)})" if step.keys else ""
        if step.op in REPLACE_OPS and step.type in INSTANCE_TYPES:
            found.append(
                f"{step.op} of instance resource {step.name} [{step.type}]{because}: tcremedy never "
                "replaces an instance"
            )
        elif step.op in REPLACE_OPS | DELETE_OPS and step.type not in OWNED_TYPES:
            found.append(
                f"{step.op} of {step.name} [{step.type}]{because}: tcremedy did not create it and "
                "never replaces or deletes what it does not own"
            )
    return list(dict.fromkeys(found))


def changes(ops: Iterable[StepOp]) -> dict[str, int]:
    """Count of steps per operation, excluding ``same`` and engine bookkeeping."""
    counts: dict[str, int] = {}
    for step in ops:
        if step.op == "same" or step.type.startswith(IGNORED_TYPE_PREFIXES):
            continue
        counts[step.op] = counts.get(step.op, 0) + 1
    return counts
