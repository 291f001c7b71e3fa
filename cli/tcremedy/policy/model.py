"""The policy: what a healthy, RDP-reachable Windows instance looks like. Pure data.

The dataclasses below ARE the schema (one place per fact): every setting is declared with
``setting(default, doc, ...)``, which records its default, its documentation and its
constraints in the field metadata. The loader (``loader.py``) validates YAML against these
declarations and the README table (``docs.py``) is rendered from them.

YAML layout (``apiVersion: tcremedy/v1``, ``kind: RdpPolicy``)::

    apiVersion: tcremedy/v1
    kind: RdpPolicy
    name: windows-rdp
    selector: {instance_ids, tags, names, os, regions}
    rdp: {port, admin_cidrs, allow_public_rdp}
    instance: {must_be_running}
    capacity: {min_bandwidth_mbps, bandwidth_ceiling_percent, cpu_ceiling_percent,
               memory_ceiling_percent, window_seconds}
    guest: {rdp_enabled, termservice_running, rdp_listening, firewall_allows_port,
            listener_port_matches, allowed_encryption_oracle}
    fixes: {auto, password_env}

Consumers read e.g. ``policy.rdp.port``, ``policy.rdp.admin_cidrs``,
``policy.capacity.min_bandwidth_mbps``, ``policy.allows_fix("reboot_instance")``,
``policy.fixes.password_env``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

API_VERSION = "tcremedy/v1"
KIND = "RdpPolicy"

# Fix names: a contract with the remediation registry (tcremedy.remediate).
FIX_NAMES: tuple[str, ...] = (
    "sg_allow_rdp",
    "acl_allow_rdp",
    "raise_bandwidth",
    "start_instance",
    "reboot_instance",
    "reset_password",
    "guest_enable_rdp",
    "guest_start_termservice",
    "guest_align_rdp_port",
    "guest_allow_rdp_firewall",
    "guest_credssp_mitigated",
)
# Fixes that change nothing a user would call disruptive run automatically unless the policy
# lists its own set; rebooting and resetting the password happen only when listed.
OPT_IN_FIXES: frozenset[str] = frozenset({"reboot_instance", "reset_password"})
DEFAULT_AUTO_FIXES: tuple[str, ...] = tuple(f for f in FIX_NAMES if f not in OPT_IN_FIXES)

OS_CHOICES: tuple[str, ...] = ("windows", "any")


def is_public_cidr(cidr: str) -> bool:
    """The whole internet: 0.0.0.0/0, ::/0, and 0.0.0.0/n (which Tencent security groups widen to /0).

    The one definition used by the loader, the planner, the providers and the CrossGuard checks.
    """
    net = ipaddress.ip_network(cidr, strict=False)
    return net.prefixlen == 0 or (net.version == 4 and int(net.network_address) == 0)


def setting(
    default: Any,
    doc: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[Any, ...] | None = None,
    item: str | None = None,
    required: bool = False,
) -> Any:
    """Declare one policy setting: default, one-line doc and constraints (read by the loader).

    ``item`` names an extra per-item check the loader applies: ``"cidr"``, ``"fix"``,
    ``"env_name"``, ``"glob"``, ``"oracle"`` (0, 1, 2 or null).
    """
    meta = {
        "doc": doc,
        "minimum": minimum,
        "maximum": maximum,
        "choices": choices,
        "item": item,
        "required": required,
    }
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Selector:
    """Which instances the policy applies to. Criteria are ANDed; an empty list means "any"."""

    instance_ids: tuple[str, ...] = setting((), "Only these instance ids (ins-...).")
    tags: dict[str, str] = setting({}, "Only instances carrying all of these tag key: value pairs.")  # noqa: RUF009
    names: tuple[str, ...] = setting(
        (), "Instance name glob patterns (fnmatch, e.g. `web-*`); any may match.", item="glob"
    )
    os: str = setting(
        "windows", "`windows`: only Windows instances (OsName/platform); `any`: all.", choices=OS_CHOICES
    )
    regions: tuple[str, ...] = setting((), "Only instances in these regions (e.g. `ap-guangzhou`).")


@dataclass(frozen=True)
class RdpAccess:
    """Who must be able to reach RDP, and on which port."""

    port: int = setting(
        3389,
        "TCP port RDP must be reachable on (security groups, ACL, guest listener).",
        minimum=1,
        maximum=65535,
    )
    admin_cidrs: tuple[str, ...] = setting(
        (),
        "Source CIDRs (IPv4/IPv6) that must be admitted; no default. 0.0.0.0/0 or ::/0 "
        "need `allow_public_rdp: true`.",
        item="cidr",
        required=True,
    )
    allow_public_rdp: bool = setting(False, "Explicitly allow 0.0.0.0/0 or ::/0 in `admin_cidrs`.")


@dataclass(frozen=True)
class InstanceExpectations:
    must_be_running: bool = setting(True, "The instance must be RUNNING.")


@dataclass(frozen=True)
class Capacity:
    """Bandwidth and load limits, judged on the maximum over the window."""

    min_bandwidth_mbps: int = setting(
        5, "Minimum public outbound bandwidth (InternetMaxBandwidthOut), Mbps.", minimum=1, maximum=100000
    )
    bandwidth_ceiling_percent: float = setting(
        90.0, "Saturated when max WanOuttraffic >= this % of the bandwidth cap.", minimum=1, maximum=100
    )
    cpu_ceiling_percent: float = setting(
        90.0, "Saturated when max CpuUsage/BaseCpuUsage >= this %.", minimum=1, maximum=100
    )
    memory_ceiling_percent: float = setting(
        90.0, "Saturated when max MemUsage >= this %.", minimum=1, maximum=100
    )
    window_seconds: int = setting(
        900, "Metrics window, seconds back from collection time.", minimum=60, maximum=86400
    )


@dataclass(frozen=True)
class GuestExpectations:
    """What the in-guest probe must report. A `false` switch turns the check off."""

    rdp_enabled: bool = setting(True, "Remote Desktop enabled (fDenyTSConnections = 0).")
    termservice_running: bool = setting(True, "Remote Desktop Services (TermService) is running.")
    rdp_listening: bool = setting(
        True,
        "Something listens on the RDP port when TermService runs and Remote Desktop is enabled "
        "(the guide's telnet/netstat check).",
    )
    firewall_allows_port: bool = setting(
        True, "Windows Firewall, when on, has an inbound allow rule for the RDP port."
    )
    listener_port_matches: bool = setting(
        True, "RDP-Tcp PortNumber equals `rdp.port` and the Tds PortNumber."
    )
    allowed_encryption_oracle: tuple[int | None, ...] = setting(
        (1, 2, None),
        "Accepted CredSSP AllowEncryptionOracle values (0 force, 1 mitigated, 2 vulnerable; "
        "null = value absent).",
        item="oracle",
    )


@dataclass(frozen=True)
class Fixes:
    """Which fixes `tcremedy apply` may run without asking for them by name."""

    auto: tuple[str, ...] = setting(
        DEFAULT_AUTO_FIXES,
        "Fix names allowed automatically. Default: all but "
        "`reboot_instance` and `reset_password`, which run only when listed.",
        item="fix",
    )
    password_env: str | None = setting(
        None,
        "Environment variable holding the new password; required "
        "when `reset_password` is listed. The value is never stored.",
        item="env_name",
    )


# Top-level sections in file order: YAML key -> dataclass.
SECTIONS: dict[str, type] = {
    "selector": Selector,
    "rdp": RdpAccess,
    "instance": InstanceExpectations,
    "capacity": Capacity,
    "guest": GuestExpectations,
    "fixes": Fixes,
}


@dataclass(frozen=True)
class Policy:
    """A loaded, validated policy. ``source`` is the file it came from ("" when built in code)."""

    name: str
    rdp: RdpAccess
    selector: Selector = field(default_factory=Selector)
    instance: InstanceExpectations = field(default_factory=InstanceExpectations)
    capacity: Capacity = field(default_factory=Capacity)
    guest: GuestExpectations = field(default_factory=GuestExpectations)
    fixes: Fixes = field(default_factory=Fixes)
    description: str = ""
    api_version: str = API_VERSION
    kind: str = KIND
    source: str = ""

    def allows_fix(self, name: str) -> bool:
        """True when the policy lets ``name`` run automatically."""
        return name in self.fixes.auto
