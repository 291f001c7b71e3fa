"""The finding codes: one table, in causal order, and everything derived from it.

Codes are a contract (JSON, SARIF, plan files, ``--only``): add new ones, never rename. The row's
position is its rank: a packet to TCP/3389 must first reach a running, non-isolated instance with a
public address and bandwidth, pass the security groups and the subnet ACL, find the guest able to
answer (capacity), find RDP listening and allowed by the guest firewall, and finally authenticate.
The earliest failing code on that path is the root cause.

Adding a code: one ``Code`` row here (at its place on the path), its check in ``diagnose/checks``;
``CAUSAL_ORDER``, ``CODE_TITLES``, ``GUEST_CODES``, ``METRIC_CODES`` and the README's list follow.
``python -m tcremedy.diagnose.codes`` prints the README table; a test keeps the README equal to it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

LAYERS = ("instance", "network", "capacity", "metrics", "guest", "auth", "collection")


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    layer: str  # one of LAYERS: where on the packet's path (guest: from the probe; metrics: monitoring)
    doc: str  # one line for the docs: what it means
    manual: str = ""  # what to do by hand; {port}, {reason}, {source} are filled in


CODES: tuple[Code, ...] = (
    Code(
        "INSTANCE_ISOLATED",
        "Instance is isolated (arrears, expiry or security isolation)",
        "instance",
        "RestrictState is not NORMAL (or IsolatedSource says isolated): nothing reaches the instance.",
        "The instance is isolated ({source}). Top up the account or renew the instance in the console "
        "(Billing Center / CVM > Renew); it cannot be repaired as code.",
    ),
    Code(
        "INSTANCE_NOT_RUNNING",
        "Instance is not running",
        "instance",
        "InstanceState is not RUNNING: STOPPED is started; transitional states are waited for.",
        "The instance is {state}. Wait until it is RUNNING or STOPPED, then re-run `tcremedy plan`.",
    ),
    Code(
        "NO_PUBLIC_IP",
        "Instance has no public IP address",
        "instance",
        "No public IPv4 address: nothing from the internet reaches it.",
        "The instance has no public IP. Allocate an EIP and associate it with the instance "
        "(console: CVM > More > IP/ENI > Bind EIP), or reach it through a bastion/VPN from the admin "
        "network.",
    ),
    Code(
        "BANDWIDTH_ZERO",
        "Public outbound bandwidth is 0 Mbps",
        "capacity",
        "InternetMaxBandwidthOut is 0: the public address carries no traffic.",
    ),
    Code(
        "SG_BLOCKS_RDP",
        "Security groups do not admit RDP from the admin CIDRs",
        "network",
        "The bound security groups, in order, do not accept TCP/port from every admin CIDR.",
    ),
    Code(
        "ACL_BLOCKS_RDP",
        "Subnet network ACL blocks RDP or its return traffic",
        "network",
        "The subnet's ACL (stateless) drops TCP/port in from an admin CIDR or the replies out to it.",
        "The subnet's network ACL blocks RDP but the finding does not name it. Add an inbound ACCEPT for "
        "TCP/{port} from the admin CIDRs and an outbound ACCEPT for TCP 49152-65535 to them, above the "
        "DROP entries.",
    ),
    Code(
        "BANDWIDTH_SATURATED",
        "Public bandwidth is saturated",
        "metrics",
        "Outbound traffic peaked at or above the policy's ceiling of the bandwidth cap.",
    ),
    Code(
        "CPU_SATURATED",
        "CPU usage is above the policy ceiling",
        "metrics",
        "CPU usage peaked above the policy's ceiling over the window.",
        "CPU is saturated{culprit}. Log in through the VNC console, open Task Manager and stop the "
        "offending process, or allow `reboot_instance` in the policy's fixes.auto.",
    ),
    Code(
        "MEMORY_SATURATED",
        "Memory usage is above the policy ceiling",
        "metrics",
        "Memory usage peaked above the policy's ceiling over the window.",
        "Memory is saturated{culprit}. Log in through the VNC console, open Task Manager and stop the "
        "offending process, or allow `reboot_instance` in the policy's fixes.auto.",
    ),
    Code(
        "GUEST_RDP_DISABLED",
        "Remote Desktop is disabled in the guest",
        "guest",
        "fDenyTSConnections is 1 in the guest.",
    ),
    Code(
        "GUEST_TERMSERVICE_STOPPED",
        "Remote Desktop Services (TermService) is not running",
        "guest",
        "The TermService service is stopped or disabled.",
    ),
    Code(
        "GUEST_RDP_NOT_LISTENING",
        "Nothing listens on the RDP port in the guest",
        "guest",
        "TermService runs and RDP is enabled, yet nothing listens on the port.",
    ),
    Code(
        "GUEST_RDP_PORT_CHANGED",
        "The guest's RDP listener port differs from the allowed port",
        "guest",
        "The RDP-Tcp listener's PortNumber is not the policy's port.",
    ),
    Code(
        "GUEST_FIREWALL_BLOCKS_RDP",
        "Windows Firewall blocks the RDP port",
        "guest",
        "No enabled inbound allow rule for the port in an active firewall profile.",
    ),
    Code(
        "GUEST_SECURITY_SOFTWARE",
        "Third-party security software in the guest may filter RDP",
        "guest",
        "A third-party firewall / host-protection service runs in the guest; its rules cannot be read.",
        "Third-party security software runs in the guest ({services}). Log in through the VNC console and "
        "allow inbound TCP/{port} from the admin CIDRs in its firewall / host protection policy (or its "
        "management console), then run `tcremedy verify`.",
    ),
    Code(
        "CREDSSP_MISMATCH",
        "CredSSP encryption-oracle setting rejects clients",
        "guest",
        "AllowEncryptionOracle is outside the policy's allowed values.",
    ),
    Code(
        "GUEST_CREDSSP_UNPATCHED",
        "The server lacks the 2018 CredSSP update; updated clients are refused",
        "guest",
        "The server lacks the May 2018 CredSSP update (CVE-2018-0886, KB4093492).",
        "The server lacks the 2018 CredSSP update (CVE-2018-0886); updated clients are refused (Microsoft "
        "KB4093492 compatibility table). Log in through the VNC console and install the May 8, 2018 (or "
        "later) cumulative/security update for the server's Windows version through Windows Update, then "
        "reboot.",
    ),
    Code(
        "GUEST_NLA_MISMATCH",
        "Network Level Authentication differs from the policy",
        "guest",
        "RDP-Tcp UserAuthentication (NLA) is not what the policy's guest.nla asks for.",
    ),
    Code(
        "PASSWORD_RESET_FAILED",
        "The last password reset failed",
        "auth",
        "The latest operation was ResetInstancesPassword and it FAILED.",
        "The last password reset failed. Reset the password in the console (CVM > Reset Password) and "
        "restart, or list `reset_password` in fixes.auto with `fixes.password_env` set and the new password "
        "in that environment variable.",
    ),
    Code(
        "BANDWIDTH_BELOW_POLICY",
        "Public bandwidth is below the policy minimum",
        "capacity",
        "InternetMaxBandwidthOut is above 0 but below the policy's minimum.",
    ),
    Code(
        "GUEST_UNREACHABLE",
        "The guest could not be inspected (TAT agent offline or probe failed)",
        "collection",
        "The read-only probe could not run through the TAT agent: guest checks are unknown.",
        "The guest cannot be inspected or fixed through the TAT agent ({reason}). Log in through the VNC "
        "console, check that the TAT agent service is running, then re-run `tcremedy plan`.",
    ),
    Code(
        "UNKNOWN",
        "A check could not be made",
        "collection",
        "Something the checks need could not be read; the reason is in the evidence.",
        "A check could not be made: {reason}. Fix the access problem and re-run `tcremedy plan`.",
    ),
)

BY_CODE: dict[str, Code] = {c.code: c for c in CODES}
CAUSAL_ORDER: tuple[str, ...] = tuple(c.code for c in CODES)
CODE_TITLES: dict[str, str] = {c.code: c.title for c in CODES}
GUEST_CODES: frozenset[str] = frozenset(c.code for c in CODES if c.layer == "guest")
METRIC_CODES: frozenset[str] = frozenset(c.code for c in CODES if c.layer == "metrics")
NO_FIX_TEXT = "No fix as code exists for this cause; see the finding's evidence."


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def manual_text(code: str, **values: Any) -> str:
    """What to do by hand for ``code``, with ``values`` filled in (unknown placeholders: "?")."""
    row = BY_CODE.get(code)
    text = row.manual if row is not None and row.manual else NO_FIX_TEXT
    return string.Formatter().vformat(text, (), _Blank(values))


BEGIN = "<!-- codes-table:begin (generated by python -m tcremedy.diagnose.codes) -->"
END = "<!-- codes-table:end -->"


def readme_table() -> str:
    """The README's code table, in causal order (rank 1 = earliest on the packet's path)."""
    lines = ["| Rank | Code | Layer | What it means |", "|---|---|---|---|"]
    lines += [f"| {i} | `{c.code}` | {c.layer} | {c.doc} |" for i, c in enumerate(CODES, 1)]
    return "\n".join([BEGIN, *lines, END])


if __name__ == "__main__":  # pragma: no cover
    print(readme_table())
