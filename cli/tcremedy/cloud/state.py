"""LiveState: the plain-data picture of the cloud that diagnosis works on.

Collectors (``tcremedy.cloud.collect``) fill it from the Tencent Cloud API; ``--save-state`` /
``--from-state`` write and read it as JSON (``to_data`` / ``from_data``), so a report can be
reproduced exactly offline. Nothing here does I/O. Field names follow the API's meaning, in
snake_case; values keep the API's vocabulary (``RUNNING``, ``ACCEPT``, ``TCP``...).
"""

from __future__ import annotations

import hashlib
import json
from array import array
from dataclasses import dataclass, field
from typing import Any

from tcremedy.serde import from_data, to_data

STATE_FORMAT = "tcremedy.livestate/v1"


@dataclass(frozen=True)
class SecurityGroupRule:
    """One entry of a security group's Ingress or Egress list (API ``SecurityGroupPolicy``)."""

    policy_index: int
    protocol: str  # TCP | UDP | ICMP | ICMPv6 | GRE | ALL (upper-cased)
    port: str  # "ALL" | "3389" | "3389,3390" | "3000-4000" | "" (none given)
    action: str  # ACCEPT | DROP
    cidr_block: str = ""
    ipv6_cidr_block: str = ""
    source_security_group_id: str = ""  # API field SecurityGroupId on a policy: a referenced group
    address_template_id: str = ""  # API AddressTemplate.AddressId
    address_template_group_id: str = ""  # API AddressTemplate.AddressGroupId
    service_template_id: str = ""
    service_template_group_id: str = ""
    description: str = ""


@dataclass(frozen=True)
class SecurityGroup:
    security_group_id: str
    name: str = ""
    version: str = "0"  # SecurityGroupPolicySet.Version
    ingress: tuple[SecurityGroupRule, ...] = ()
    egress: tuple[SecurityGroupRule, ...] = ()


@dataclass(frozen=True)
class NetworkAclEntry:
    protocol: str  # TCP | UDP | ICMP | ALL
    port: str  # "ALL" | "3389" | "10-20" | ""
    action: str  # ACCEPT | DROP (normalised to upper case)
    cidr_block: str = ""
    ipv6_cidr_block: str = ""
    priority: int = 0
    description: str = ""


@dataclass(frozen=True)
class QuintupleEntry:
    """One rule of a QUINTUPLE ACL (API ``NetworkAclQuintupleEntry``; DescribeNetworkAclQuintupleEntries)."""

    protocol: str  # TCP | UDP | ICMP | ALL
    action: str  # ACCEPT | DROP
    priority: int = 0  # from 1; evaluated in this order
    source_cidr: str = ""  # "" with no IPv6 either = any source
    source_ipv6_cidr: str = ""
    source_port: str = "ALL"
    destination_cidr: str = ""
    destination_ipv6_cidr: str = ""
    destination_port: str = "ALL"
    entry_id: str = ""  # NetworkAclQuintupleEntryId
    description: str = ""


@dataclass(frozen=True)
class NetworkAcl:
    """A stateless subnet ACL. Entries are in evaluation order; a final implicit DROP follows.

    ``acl_type`` TRIPLE: ``ingress``/``egress`` hold the entries. QUINTUPLE: those stay empty (the API
    fills them only for TRIPLE ACLs) and ``quintuple_ingress``/``quintuple_egress`` hold the rules.
    """

    network_acl_id: str
    vpc_id: str = ""
    name: str = ""
    subnet_ids: tuple[str, ...] = ()
    ingress: tuple[NetworkAclEntry, ...] = ()
    egress: tuple[NetworkAclEntry, ...] = ()
    acl_type: str = "TRIPLE"
    quintuple_ingress: tuple[QuintupleEntry, ...] = ()
    quintuple_egress: tuple[QuintupleEntry, ...] = ()


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    vpc_id: str = ""
    cidr_block: str = ""
    network_acl_id: str = ""  # "" = no ACL bound


# Cloud Monitor publishes a period's sample a little after it: "end the window 1-2 minutes before now"
# is Tencent's answer to GetMonitorData returning nothing (monitoring FAQ,
# https://cloud.tencent.com/document/product/248/54788). A window ending now would miss its newest
# samples, and a one-minute window would hold none.
PUBLISH_LAG = 120  # seconds


def window_end(epoch: float, period: int) -> int:
    """The end of the metrics window of a collection at ``epoch``: the last whole period at or before
    ``PUBLISH_LAG`` seconds earlier, where Cloud Monitor's samples are published. Collection asks for
    the samples up to there and diagnosis reads the window's samples back from there, so two runs in
    the same period read the same samples (issue 14 item 6)."""
    t = int(epoch) - PUBLISH_LAG
    return t - t % period if period > 0 else t


@dataclass(frozen=True)
class MetricSeries:
    """One QCE/CVM metric for one instance over the collection window."""

    metric: str  # CpuUsage | MemUsage | WanOuttraffic | WanIntraffic | BaseCpuUsage ...
    period: int  # seconds
    timestamps: tuple[float, ...] = ()
    values: tuple[float, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its values as packed doubles: a region's state travels back from the process
        that collected it (``cloud/regions.py``), and its 12,000 series (3,000 instances x 4 metrics)
        of float objects were most of the unpickling the parent does while the run waits."""
        return _packed_series, (self.metric, self.period, self.timestamps, array("d", self.values).tobytes())


def _packed_series(metric: str, period: int, timestamps: tuple[float, ...], packed: bytes) -> MetricSeries:
    values = array("d")
    values.frombytes(packed)
    return MetricSeries(metric, period, timestamps, tuple(values))


@dataclass(frozen=True)
class GuestFacts:
    """What the in-guest probe (TAT RunCommand, PowerShell) reported. None fields = not reported."""

    rdp_port: int | None = None  # WinStations\RDP-Tcp PortNumber
    tds_port: int | None = None  # Wds\rdpwd\Tds\tcp PortNumber (Tencent says both must match)
    deny_ts_connections: int | None = None  # fDenyTSConnections (1 = RDP disabled), policy value wins
    termservice_state: str | None = None  # Running | Stopped | ...
    termservice_start_mode: str | None = None  # Auto | Manual | Disabled
    listening: bool | None = None  # something listens on rdp_port
    firewall_profiles_enabled: tuple[str, ...] | None = None  # e.g. ("Domain", "Private", "Public")
    firewall_allows_rdp_port: bool | None = None  # an enabled inbound allow rule covers rdp_port
    nla_required: int | None = None  # UserAuthentication
    allow_encryption_oracle: int | None = None  # CredSSP: 0 force updated, 1 mitigated, 2 vulnerable
    credssp_patched: bool | None = None  # server has the 2018 CredSSP update
    # third-party firewall / host-protection services found by service name: ({"Name", "State"}, ...)
    security_software: tuple[dict[str, str], ...] | None = None
    top_cpu: tuple[dict[str, Any], ...] | None = None  # top processes by CPU: {"Name", "Id", "CpuPercent"}
    top_memory: tuple[dict[str, Any], ...] | None = None  # by working set: {"Name", "Id", "WorkingSetMB"}


@dataclass(frozen=True)
class GuestProbe:
    """Outcome of probing the guest through the TAT agent."""

    agent_status: str  # Online | Offline | NotInstalled | Unknown
    task_status: str = ""  # TAT TaskStatus of the probe (SUCCESS, FAILED, TIMEOUT...) or ""
    error: str = ""  # why there are no facts, when there are none
    facts: GuestFacts | None = None


@dataclass(frozen=True)
class Instance:
    instance_id: str
    region: str
    name: str = ""
    zone: str = ""
    os_name: str = ""
    platform: str = ""  # WINDOWS | LINUX (from OsName / image platform)
    instance_type: str = ""
    image_id: str = ""
    state: str = ""  # InstanceState: RUNNING | STOPPED | PENDING | STOPPING | REBOOTING ...
    restrict_state: str = "NORMAL"  # NORMAL | EXPIRED | PROTECTIVELY_ISOLATED
    isolated_source: str = ""  # ARREAR | EXPIRE | ... when isolated
    latest_operation: str = ""
    latest_operation_state: str = ""  # SUCCESS | OPERATING | FAILED
    latest_operation_error_msg: str = ""
    instance_charge_type: str = ""  # PREPAID | POSTPAID_BY_HOUR | SPOTPAID ...
    internet_charge_type: str = ""  # BANDWIDTH_PREPAID | TRAFFIC_POSTPAID_BY_HOUR | BANDWIDTH_PACKAGE ...
    internet_max_bandwidth_out: int = 0  # Mbps
    public_ip_addresses: tuple[str, ...] = ()
    private_ip_addresses: tuple[str, ...] = ()
    vpc_id: str = ""
    subnet_id: str = ""
    security_group_ids: tuple[str, ...] = ()  # binding order = evaluation order
    tags: dict[str, str] = field(default_factory=dict)
    cpu: int = 0
    memory_gb: int = 0
    metrics: dict[str, MetricSeries] = field(default_factory=dict)  # keyed by metric name
    guest: GuestProbe | None = None  # None = guest not probed (e.g. instance not running)


@dataclass(frozen=True)
class CollectionGap:
    """Something collection could not read. Diagnosis turns it into an UNKNOWN finding."""

    scope: str  # "instance" | "security_group" | "network_acl" | "subnet" | "metrics" | "guest"
    resource_id: str  # the id whose data is missing
    code: str  # API error code, or "Timeout", ...
    message: str
    call: str = ""  # the API action that failed or did not return it (DescribeSubnets, RunCommand, ...)


@dataclass(frozen=True)
class LiveState:
    region: str
    collected_at: str  # ISO-8601 UTC
    endpoint: str = ""  # "" = Tencent Cloud's public endpoints
    window_seconds: int = 900  # metrics window
    instances: dict[str, Instance] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    network_acls: dict[str, NetworkAcl] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    address_templates: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> CIDRs/IPs
    address_template_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> template ids
    # protocol-port templates: id -> members as the API spells them ("tcp:3389", "tcp: 80,443", "icmp")
    service_templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    service_template_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> template ids
    gaps: tuple[CollectionGap, ...] = ()
    format: str = STATE_FORMAT

    def to_json(self) -> str:
        return json.dumps(to_data(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LiveState:
        return from_data(cls, json.loads(text))

    def fingerprint(self, instance_ids: tuple[str, ...] | None = None) -> str:
        """A digest of the configuration diagnosis depends on, ignoring metrics and timestamps.

        A plan records it; apply refuses a plan whose fingerprint no longer matches the cloud.
        """
        ids = sorted(instance_ids if instance_ids is not None else self.instances)
        wanted: dict[str, Any] = {"instances": {}, "security_groups": {}, "network_acls": {}}
        for iid in ids:
            inst = self.instances.get(iid)
            if inst is None:
                continue
            data = to_data(inst)
            data.pop("metrics", None)
            data.pop("guest", None)
            wanted["instances"][iid] = data
            for sg in inst.security_group_ids:
                if sg in self.security_groups:
                    wanted["security_groups"][sg] = to_data(self.security_groups[sg])
            subnet = self.subnets.get(inst.subnet_id)
            acl_id = subnet.network_acl_id if subnet else ""
            if acl_id in self.network_acls:
                wanted["network_acls"][acl_id] = to_data(self.network_acls[acl_id])
        blob = json.dumps(wanted, sort_keys=True).encode()
        return "sha256:" + hashlib.sha256(blob).hexdigest()
