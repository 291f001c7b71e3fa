"""The causal chain: one root cause per instance, the contributing findings, and what is masked.

The root cause is the FAIL finding earliest in ``CAUSAL_ORDER`` (the packet's path). When
nothing FAILs but some checks could not be made, there is no root cause and the UNKNOWN
findings stay listed. An UNKNOWN that an earlier cause explains (the guest cannot be probed
because the instance is stopped) is moved to ``masked``: it is neither a pass nor noise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tcremedy.diagnose.codes import CODE_TITLES, GUEST_CODES, METRIC_CODES
from tcremedy.diagnose.findings import Finding, Status
from tcremedy.diagnose.model import MaskedCheck

# masking code -> codes whose UNKNOWN findings it explains (a stopped instance has no guest
# to probe and reports no metrics; an unreachable guest leaves every guest check unmade).
MASKS: dict[str, frozenset[str]] = {
    "INSTANCE_NOT_RUNNING": GUEST_CODES | METRIC_CODES | {"GUEST_UNREACHABLE"},
    "GUEST_UNREACHABLE": GUEST_CODES,
}


@dataclass(frozen=True)
class Chain:
    root_cause: Finding | None
    findings: tuple[Finding, ...]  # root cause first, then by rank; FAIL before UNKNOWN at equal rank
    masked: tuple[MaskedCheck, ...]


def build_chain(findings: Iterable[Finding]) -> Chain:
    ordered = sorted(findings, key=_order)
    maskers: list[Finding] = []
    for code in MASKS:  # dict order is dependency order: a masker may itself be masked by an earlier one
        maskers.extend(f for f in ordered if f.code == code and _masker(f, maskers) is None)
    kept: list[Finding] = []
    masked: list[MaskedCheck] = []
    for finding in ordered:
        masker = _masker(finding, maskers)
        if masker is None:
            kept.append(finding)
            continue
        reason = finding.evidence.get("reason", "")
        masked.append(
            MaskedCheck(finding.code, masker.code, reason or CODE_TITLES.get(masker.code, masker.code))
        )
    fails = [f for f in kept if f.status is Status.FAIL]
    root = fails[0] if fails else None
    rest = [f for f in kept if f is not root]
    return Chain(root, tuple([root, *rest] if root else rest), tuple(masked))


def _masker(finding: Finding, maskers: list[Finding]) -> Finding | None:
    if finding.status is not Status.UNKNOWN:
        return None  # a definite failure is always reported
    return next((m for m in maskers if m is not finding and finding.code in MASKS[m.code]), None)


def _order(f: Finding) -> tuple[int, int, str]:
    return f.rank, 0 if f.status is Status.FAIL else 1, f.message
