"""Findings: one failed (or unmakeable) check of one instance, with its severity and status.

The codes, their causal order and titles are one table in ``tcremedy.diagnose.codes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tcremedy.diagnose.codes import CAUSAL_ORDER, CODE_TITLES

__all__ = ["CAUSAL_ORDER", "CODE_TITLES", "Finding", "Severity", "Status"]


class Severity(StrEnum):
    CRITICAL = "critical"  # blocks RDP outright
    HIGH = "high"  # very likely blocks or degrades RDP
    MEDIUM = "medium"  # policy drift that does not block RDP by itself
    LOW = "low"
    INFO = "info"


class Status(StrEnum):
    FAIL = "fail"  # the policy's condition does not hold
    UNKNOWN = "unknown"  # the check could not be made; ``evidence["reason"]`` says why


# The code table (rank, title, layer, manual text, docs line) lives in ``codes``; re-exported here.


@dataclass(frozen=True)
class Finding:
    """One failed (or unmakeable) check for one instance."""

    code: str
    instance_id: str
    severity: Severity
    message: str
    status: Status = Status.FAIL
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str | None = None  # name of the fix in the remediation registry that would close it

    @property
    def rank(self) -> int:
        return CAUSAL_ORDER.index(self.code) if self.code in CAUSAL_ORDER else len(CAUSAL_ORDER)
