"""Findings, their stable codes, and the causal order that picks one root cause.

Codes are a contract (JSON, SARIF, plan files, ``--only``): add new ones, never rename.
``CAUSAL_ORDER`` is the one place that says which cause hides which: a packet to TCP/3389
must first reach a running, non-isolated instance with a public address and bandwidth, pass
the security groups and the subnet ACL, find the guest able to answer (capacity), find RDP
listening and allowed by the guest firewall, and finally authenticate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    CRITICAL = "critical"  # blocks RDP outright
    HIGH = "high"  # very likely blocks or degrades RDP
    MEDIUM = "medium"  # policy drift that does not block RDP by itself
    LOW = "low"
    INFO = "info"


class Status(StrEnum):
    FAIL = "fail"  # the policy's condition does not hold
    UNKNOWN = "unknown"  # the check could not be made; ``evidence["reason"]`` says why


# Root-cause precedence, earliest on the packet's path first.
CAUSAL_ORDER: tuple[str, ...] = (
    "INSTANCE_ISOLATED",
    "INSTANCE_NOT_RUNNING",
    "NO_PUBLIC_IP",
    "BANDWIDTH_ZERO",
    "SG_BLOCKS_RDP",
    "ACL_BLOCKS_RDP",
    "BANDWIDTH_SATURATED",
    "CPU_SATURATED",
    "MEMORY_SATURATED",
    "GUEST_RDP_DISABLED",
    "GUEST_TERMSERVICE_STOPPED",
    "GUEST_RDP_NOT_LISTENING",
    "GUEST_RDP_PORT_CHANGED",
    "GUEST_FIREWALL_BLOCKS_RDP",
    "GUEST_SECURITY_SOFTWARE",
    "CREDSSP_MISMATCH",
    "GUEST_CREDSSP_UNPATCHED",
    "GUEST_NLA_MISMATCH",
    "PASSWORD_RESET_FAILED",
    "BANDWIDTH_BELOW_POLICY",
    "GUEST_UNREACHABLE",
    "UNKNOWN",
)

CODE_TITLES: dict[str, str] = {
    "INSTANCE_ISOLATED": "Instance is isolated (arrears, expiry or security isolation)",
    "INSTANCE_NOT_RUNNING": "Instance is not running",
    "NO_PUBLIC_IP": "Instance has no public IP address",
    "BANDWIDTH_ZERO": "Public outbound bandwidth is 0 Mbps",
    "BANDWIDTH_BELOW_POLICY": "Public bandwidth is below the policy minimum",
    "BANDWIDTH_SATURATED": "Public bandwidth is saturated",
    "CPU_SATURATED": "CPU usage is above the policy ceiling",
    "MEMORY_SATURATED": "Memory usage is above the policy ceiling",
    "SG_BLOCKS_RDP": "Security groups do not admit RDP from the admin CIDRs",
    "ACL_BLOCKS_RDP": "Subnet network ACL blocks RDP or its return traffic",
    "PASSWORD_RESET_FAILED": "The last password reset failed",
    "GUEST_RDP_DISABLED": "Remote Desktop is disabled in the guest",
    "GUEST_TERMSERVICE_STOPPED": "Remote Desktop Services (TermService) is not running",
    "GUEST_RDP_NOT_LISTENING": "Nothing listens on the RDP port in the guest",
    "GUEST_RDP_PORT_CHANGED": "The guest's RDP listener port differs from the allowed port",
    "GUEST_FIREWALL_BLOCKS_RDP": "Windows Firewall blocks the RDP port",
    "CREDSSP_MISMATCH": "CredSSP encryption-oracle setting rejects clients",
    "GUEST_SECURITY_SOFTWARE": "Third-party security software in the guest may filter RDP",
    "GUEST_CREDSSP_UNPATCHED": "The server lacks the 2018 CredSSP update; updated clients are refused",
    "GUEST_NLA_MISMATCH": "Network Level Authentication differs from the policy",
    "GUEST_UNREACHABLE": "The guest could not be inspected (TAT agent offline or probe failed)",
    "UNKNOWN": "A check could not be made",
}


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
