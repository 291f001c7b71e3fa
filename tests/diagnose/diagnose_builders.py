"""Small builders for inline LiveState in diagnosis tests."""

from __future__ import annotations

from typing import Any

from tcremedy.cloud.state import (
    GuestFacts,
    GuestProbe,
    Instance,
    LiveState,
    MetricSeries,
    NetworkAcl,
    NetworkAclEntry,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    window_end,
)

COLLECTED_AT = "2024-05-01T12:00:00+00:00"
NOW = 1714564800.0  # COLLECTED_AT as epoch seconds


def rule(
    index: int, action: str = "ACCEPT", protocol: str = "TCP", port: str = "3389", **kw: Any
) -> SecurityGroupRule:
    return SecurityGroupRule(policy_index=index, protocol=protocol, port=port, action=action, **kw)


def group(sg_id: str, *rules: SecurityGroupRule) -> SecurityGroup:
    return SecurityGroup(security_group_id=sg_id, ingress=tuple(rules))


def entry(
    action: str = "ACCEPT", protocol: str = "TCP", port: str = "ALL", cidr: str = "0.0.0.0/0", **kw: Any
) -> NetworkAclEntry:
    return NetworkAclEntry(protocol=protocol, port=port, action=action, cidr_block=cidr, **kw)


def healthy_facts(**kw: Any) -> GuestFacts:
    base: dict[str, Any] = dict(
        rdp_port=3389,
        tds_port=3389,
        deny_ts_connections=0,
        termservice_state="Running",
        termservice_start_mode="Auto",
        listening=True,
        firewall_profiles_enabled=("Public",),
        firewall_allows_rdp_port=True,
        nla_required=1,
        allow_encryption_oracle=None,
        credssp_patched=True,
    )
    base.update(kw)
    return GuestFacts(**base)


def series(metric: str, *values: float) -> MetricSeries:
    """The samples as the cloud answers them: the last one at the collection's window end."""
    end = window_end(NOW, 60)
    stamps = tuple(float(end - 60 * (len(values) - 1 - i)) for i in range(len(values)))
    return MetricSeries(metric=metric, period=60, timestamps=stamps, values=values)


def healthy_instance(iid: str = "ins-aaaaaaaa", **kw: Any) -> Instance:
    base: dict[str, Any] = dict(
        instance_id=iid,
        region="ap-guangzhou",
        name="win-1",
        os_name="Windows Server 2019 Datacenter",
        platform="WINDOWS",
        state="RUNNING",
        internet_max_bandwidth_out=10,
        public_ip_addresses=("81.0.0.1",),
        private_ip_addresses=("10.0.1.5",),
        vpc_id="vpc-1",
        subnet_id="subnet-1",
        security_group_ids=("sg-rdp",),
        metrics={
            "CpuUsage": series("CpuUsage", 20, 30),
            "MemUsage": series("MemUsage", 40, 45),
            "WanOuttraffic": series("WanOuttraffic", 1, 2),
        },
        guest=GuestProbe(agent_status="Online", task_status="SUCCESS", facts=healthy_facts()),
    )
    base.update(kw)
    return Instance(**base)


def state_with(
    *instances: Instance,
    groups: tuple[SecurityGroup, ...] | None = None,
    acl: NetworkAcl | None = None,
    **kw: Any,
) -> LiveState:
    if groups is None:
        groups = (
            group("sg-rdp", rule(0, cidr_block="203.0.113.0/24"), rule(1, cidr_block="198.51.100.10/32")),
        )
    subnet = Subnet(
        "subnet-1", vpc_id="vpc-1", cidr_block="10.0.1.0/24", network_acl_id=acl.network_acl_id if acl else ""
    )
    base: dict[str, Any] = dict(
        region="ap-guangzhou",
        collected_at=COLLECTED_AT,
        instances={i.instance_id: i for i in (instances or (healthy_instance(),))},
        security_groups={g.security_group_id: g for g in groups},
        subnets={"subnet-1": subnet},
        network_acls={acl.network_acl_id: acl} if acl else {},
    )
    base.update(kw)
    return LiveState(**base)
