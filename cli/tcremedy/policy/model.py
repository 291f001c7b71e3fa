"""The policy: what a healthy, RDP-reachable Windows instance looks like. Pure data.

The classes below ARE the schema (one place per fact). They are pydantic v2 dataclasses: every
setting declares its type, default, one-line doc and bounds with ``setting(...)``; values are
checked strictly (no ``"3389"`` for a port, no ``true`` for a number, no ``.nan``), unknown keys
are refused. The loader (``loader.py``) maps errors back to ``file:line:col``; the JSON Schema
(``schema.py``, ``tcremedy policy schema``) and the README table (``docs.py``) are generated from
these declarations; the value types they use (strict scalars, checked strings, fix names, size
limits) are in ``values.py``.

To add a setting: add a field with ``setting(...)`` to a section. To add a section: declare a
``@section`` class and add a field for it to ``Policy`` (and to ``SECTIONS``, which keeps file order).

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
    waivers: [{instance_ids, tags, names, codes, reason, expires}]

Consumers read e.g. ``policy.rdp.port``, ``policy.rdp.admin_cidrs``,
``policy.capacity.min_bandwidth_mbps``, ``policy.allows_fix("reboot_instance")``,
``policy.fixes.password_env``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import ConfigDict, Field, Strict
from pydantic.dataclasses import dataclass

from tcremedy.policy.values import (
    DEFAULT_AUTO_FIXES,
    FIX_NAMES,
    MAX_ADMIN_CIDRS,
    MAX_LIST_ITEMS,
    MAX_TAGS,
    Bool,
    Cidr,
    EnvName,
    FindingCode,
    FixName,
    Glob,
    Int,
    IsoDate,
    Number,
    Oracle,
    PolicyName,
    Reason,
    Text,
)

API_VERSION = "tcremedy/v1"
KIND = "RdpPolicy"

CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, validate_by_name=True, validate_by_alias=True)
_T = TypeVar("_T")


def section(cls: type[_T]) -> type[_T]:
    """Declare a policy section: a frozen, strict, keyword-only pydantic dataclass."""
    return dataclass(frozen=True, kw_only=True, config=CONFIG)(cls)


def setting(
    default: Any = ...,
    doc: str = "",
    *,
    ge: float | None = None,
    le: float | None = None,
    max_items: int | None = None,
    min_items: int | None = None,
    alias: str | None = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """Declare one setting: default (``...`` = required), one-line doc, bounds, list-length limits."""
    kwargs: dict[str, Any] = {"description": doc, "ge": ge, "le": le, "alias": alias}
    kwargs |= {"max_length": max_items, "min_length": min_items}
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if factory is not None:
        return Field(default_factory=factory, json_schema_extra={"default": factory()}, **kwargs)
    return Field(default, **kwargs)


@section
class Selector:
    """Which instances the policy applies to. Criteria are ANDed; an empty list means "any"."""

    instance_ids: tuple[Text, ...] = setting(
        (), "Only these instance ids (ins-...).", max_items=MAX_LIST_ITEMS
    )
    tags: dict[Text, Text] = setting(
        doc="Only instances carrying all of these tag key: value pairs.", factory=dict, max_items=MAX_TAGS
    )
    names: tuple[Glob, ...] = setting(
        (), "Instance name glob patterns (fnmatch, e.g. `web-*`); any may match.", max_items=MAX_LIST_ITEMS
    )
    os: Literal["windows", "any"] = setting(
        "windows", "`windows`: only Windows instances (OsName/platform); `any`: all."
    )
    regions: tuple[Text, ...] = setting(
        (), "Only instances in these regions (e.g. `ap-guangzhou`).", max_items=MAX_LIST_ITEMS
    )


@section
class RdpAccess:
    """Who must be able to reach RDP, and on which port."""

    port: Int = setting(
        3389, "TCP port RDP must be reachable on (security groups, ACL, guest listener).", ge=1, le=65535
    )
    admin_cidrs: tuple[Cidr, ...] = setting(
        ...,
        "Source CIDRs (IPv4/IPv6) that must be admitted; no default. 0.0.0.0/0 or ::/0 "
        "need `allow_public_rdp: true`.",
        min_items=1,
        max_items=MAX_ADMIN_CIDRS,
    )
    allow_public_rdp: Bool = setting(False, "Explicitly allow 0.0.0.0/0 or ::/0 in `admin_cidrs`.")


@section
class InstanceExpectations:
    """What the instance itself must be."""

    must_be_running: Bool = setting(True, "The instance must be RUNNING.")


@section
class Capacity:
    """Bandwidth and load limits, judged on the maximum over the window."""

    min_bandwidth_mbps: Int = setting(
        5, "Minimum public outbound bandwidth (InternetMaxBandwidthOut), Mbps.", ge=1, le=100000
    )
    bandwidth_ceiling_percent: Number = setting(
        90.0, "Saturated when max WanOuttraffic >= this % of the bandwidth cap.", ge=1, le=100
    )
    cpu_ceiling_percent: Number = setting(
        90.0, "Saturated when max CpuUsage/BaseCpuUsage >= this %.", ge=1, le=100
    )
    memory_ceiling_percent: Number = setting(90.0, "Saturated when max MemUsage >= this %.", ge=1, le=100)
    window_seconds: Int = setting(
        900,
        "Metrics window, seconds back from the newest published sample (2 minutes before collection time).",
        ge=60,
        le=86400,
    )


@section
class GuestExpectations:
    """What the in-guest probe must report. A `false` switch turns the check off."""

    rdp_enabled: Bool = setting(True, "Remote Desktop enabled (fDenyTSConnections = 0).")
    termservice_running: Bool = setting(True, "Remote Desktop Services (TermService) is running.")
    rdp_listening: Bool = setting(
        True,
        "Something listens on the RDP port when TermService runs and Remote Desktop is enabled "
        "(the guide's telnet/netstat check).",
    )
    firewall_allows_port: Bool = setting(
        True, "Windows Firewall, when on, has an inbound allow rule for the RDP port."
    )
    listener_port_matches: Bool = setting(
        True, "RDP-Tcp PortNumber equals `rdp.port` and the Tds PortNumber."
    )
    allowed_encryption_oracle: tuple[Oracle, ...] = setting(
        (1, 2, None),
        "Accepted CredSSP AllowEncryptionOracle values (0 force, 1 mitigated, 2 vulnerable; "
        "null = value absent).",
        max_items=4,
    )
    nla: Literal["required", "off", "any"] = setting(
        "any",
        "Network Level Authentication (RDP-Tcp UserAuthentication): `required` (1), `off` (0) or `any`.",
    )
    revert_minutes: Int = setting(
        10,
        "A guest fix that could cut the admin's path (port, firewall, CredSSP, NLA) first schedules "
        "its own revert this many minutes ahead; `apply` cancels it once access is verified.",
        ge=1,
        le=1440,
    )


@section
class Fixes:
    """Which fixes `tcremedy apply` may run without asking for them by name."""

    auto: tuple[FixName, ...] = setting(
        DEFAULT_AUTO_FIXES,
        "Fix names allowed automatically. Default: all but "
        "`reboot_instance` and `reset_password`, which run only when listed.",
        max_items=len(FIX_NAMES) * 2,
    )
    password_env: EnvName | None = setting(
        None,
        "Environment variable holding the new password; required "
        "when `reset_password` is listed. The value is never stored.",
    )


@section
class Waiver:
    """An accepted exception: these finding codes on these instances do not fail `check` until
    `expires`. Select by `instance_ids`, `tags` and/or `names` (at least one; all given must hold)."""

    instance_ids: tuple[Text, ...] = setting((), "Instance ids (ins-...).", max_items=MAX_LIST_ITEMS)
    tags: dict[Text, Text] = setting(
        doc="Tag key: value pairs the instance must all carry.", factory=dict, max_items=MAX_TAGS
    )
    names: tuple[Glob, ...] = setting(
        (), "Instance name globs (fnmatch); any may match.", max_items=MAX_LIST_ITEMS
    )
    codes: tuple[FindingCode, ...] = setting(
        ..., "Finding codes waived (e.g. SG_BLOCKS_RDP).", min_items=1, max_items=64
    )
    reason: Reason = setting(..., "Why the exception is accepted (shown in every report).")
    expires: IsoDate = setting(
        ..., "Last day the waiver holds (ISO date, required); after it `check` fails naming the waiver."
    )


MAX_WAIVERS = 1000


@section
class Policy:
    """A loaded, validated policy. ``source`` is the file it came from ("" when built in code)."""

    name: PolicyName = setting(..., "Policy name: letters, digits, '.', '_' or '-'.")
    rdp: RdpAccess = setting(..., "Who must reach RDP, and on which port.")
    selector: Selector = setting(doc="Which instances the policy applies to.", factory=Selector)
    instance: InstanceExpectations = setting(doc="What the instance must be.", factory=InstanceExpectations)
    capacity: Capacity = setting(doc="Bandwidth and load limits.", factory=Capacity)
    guest: GuestExpectations = setting(doc="What the in-guest probe must report.", factory=GuestExpectations)
    fixes: Fixes = setting(doc="Which fixes apply may run on its own.", factory=Fixes)
    waivers: tuple[Waiver, ...] = setting((), "Accepted exceptions (see Waiver).", max_items=MAX_WAIVERS)
    description: Annotated[str, Strict(), Field(max_length=1024)] = setting("", "Free text.")
    override: Bool = setting(
        False, "With `--policy DIR`: this policy judges the instances it shares with another one."
    )
    api_version: Literal["tcremedy/v1"] = setting(API_VERSION, "Format version.", alias="apiVersion")
    kind: Literal["RdpPolicy"] = setting(KIND, "Document kind.")
    source: str = ""  # not a file key: the loader sets it

    def allows_fix(self, name: str) -> bool:
        """True when the policy lets ``name`` run automatically."""
        return name in self.fixes.auto


# Top-level sections in file order: YAML key -> section class (docs, schema, loader).
SECTIONS: dict[str, type] = {
    "selector": Selector,
    "rdp": RdpAccess,
    "instance": InstanceExpectations,
    "capacity": Capacity,
    "guest": GuestExpectations,
    "fixes": Fixes,
}
# Keys of the file that are not sections (``source`` is not one: the loader sets it).
HEADER_KEYS: tuple[str, ...] = ("apiVersion", "kind", "name", "description", "override")
# Top-level lists (not sections: no defaults to fill in, documented in policies/README.md).
LIST_KEYS: tuple[str, ...] = ("waivers",)
