"""CrossGuard checks of declared network ACLs and bandwidth (``crossguard`` dispatches to them).

Pure: input properties (camelCase, as the engine passes them to an analyzer) in, messages out.
Argument names from the installed pulumi-tencentcloud 0.2.3 package; each resource's meaning from
terraform-provider-tencentcloud v1.82.42 (paths relative to ``tencentcloud/services/``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from tcremedy.cloud.state import NetworkAcl, NetworkAclEntry
from tcremedy.diagnose.model import Access
from tcremedy.diagnose.reachability import acl_verdicts
from tcremedy.policy.model import Policy

UNKNOWN = "<unknown at preview>"  # the pack puts this where the engine passed an unknown value

INSTANCE = "tencentcloud:Instance/instance:Instance"
INSTANCE_SET = "tencentcloud:Instance/set:Set"
LAUNCH_TEMPLATE = "tencentcloud:Cvm/launchTemplate:LaunchTemplate"
EIP = "tencentcloud:Eip/instance:Instance"
BANDWIDTH_PACKAGE = "tencentcloud:Vpc/bandwidthPackage:BandwidthPackage"
DYN_BANDWIDTH = "pulumi-python:dynamic/tcremedy:InstanceBandwidth"
DYNAMIC = "pulumi-python:dynamic:Resource"  # any other program's plain dynamic resource

# type -> (where its public bandwidth limit is, provider source). A value below the policy minimum
# starves RDP of the bandwidth it needs.
BANDWIDTH_FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    INSTANCE: (("internetMaxBandwidthOut",), "cvm/resource_tc_instance.go internet_max_bandwidth_out"),
    INSTANCE_SET: (
        ("internetMaxBandwidthOut",),
        "cvm/resource_tc_instance_set.go internet_max_bandwidth_out",
    ),
    LAUNCH_TEMPLATE: (
        ("internetAccessible", "internetMaxBandwidthOut"),
        "cvm/resource_tc_cvm_launch_template.go internet_accessible.internet_max_bandwidth_out",
    ),
    # the EIP's own limit caps the instance it is bound to
    EIP: (("internetMaxBandwidthOut",), "cvm/resource_tc_eip.go internet_max_bandwidth_out"),
    # "Bandwidth packet speed limit size. Unit: Mbps, -1 means no speed limit": shared by its members
    BANDWIDTH_PACKAGE: (
        ("internetMaxBandwidth",),
        "vpc/resource_tc_vpc_bandwidth_package.go internet_max_bandwidth",
    ),
}


# ------------------------------------------------------------------------------- ACLs


def acl_text(text: Any) -> tuple[str, str, str, str]:
    """``Vpc/acl`` ``ingresses``: ``ACTION#CIDR#PORT#PROTOCOL[#DESCRIPTION]`` (vpc/resource_tc_vpc_acl.go)."""
    action, cidr, port, protocol = ([*str(text).split("#"), "", "", ""])[:4]
    return action, cidr, port, protocol


def quintuple_entries(props: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """``Vpc/networkAclQuintuple`` inbound entries in priority order
    (vpc/resource_tc_vpc_network_acl_quintuple.go: ``network_acl_quintuple_set.ingress``: ``action``,
    ``source_cidr``, ``destination_port``, ``protocol``, ``priority``; no IPv6 source field)."""
    quintuple = props.get("networkAclQuintupleSet")
    if isinstance(quintuple, list):  # MaxItems 1: the SDK passes a one-item list or the object
        quintuple = quintuple[0] if quintuple else None
    items = items_of(quintuple.get("ingresses") if isinstance(quintuple, Mapping) else quintuple)
    ordered = sorted(enumerate(items), key=lambda p: (as_int(get(p[1], "priority")) or 0, p[0]))
    return [
        (
            str(get(e, "action") or ""),
            str(get(e, "sourceCidr") or "0.0.0.0/0"),  # an absent source matches every source
            str(get(e, "destinationPort") or "ALL"),
            str(get(e, "protocol") or "ALL"),
        )
        for _, e in ordered
    ]


def acl_violations(policy: Policy, ingresses: list[tuple[str, str, str, str]]) -> list[str]:
    """Addresses outside the admin CIDRs that the declared inbound entries pass to the RDP port."""
    what = f"network ACL ingress entries pass TCP/{policy.rdp.port} (RDP)"
    entries = []
    for action, cidr, port, protocol in ingresses:
        if not is_cidr(cidr) or UNKNOWN in (action, port, protocol):
            return [f"{what}? an entry ({action or '?'} from {cidr or '?'}) cannot be verified at preview"]
        v6 = ":" in cidr
        entries.append(
            NetworkAclEntry(
                protocol.upper() or "ALL", port, action.upper(), "" if v6 else cidr, cidr if v6 else ""
            )
        )
    acl = NetworkAcl("declared", ingress=tuple(entries))
    out = []
    for everyone in ("0.0.0.0/0", "::/0"):
        verdict = acl_verdicts(acl, everyone, policy.rdp.port)[0]
        admitted = verdict.cidrs_with(Access.ALLOW)
        outside = [c for c in admitted if not any(within(c, admin) for admin in policy.rdp.admin_cidrs)]
        if list(admitted) == [everyone]:
            if not policy.rdp.allow_public_rdp:
                out.append(
                    f"{what} from the whole internet ({everyone}); policy `{policy.name}` does not "
                    "set rdp.allow_public_rdp"
                )
        elif outside:
            out.append(
                f"{what} from {', '.join(outside)}, outside the policy's admin CIDRs "
                f"({', '.join(policy.rdp.admin_cidrs)})"
            )
    return out


# -------------------------------------------------------------------------- bandwidth


def bandwidth_violations(policy: Policy, resource_type: str, props: Mapping[str, Any]) -> list[str]:
    out = []
    minimum = policy.capacity.min_bandwidth_mbps
    if resource_type in BANDWIDTH_FIELDS:
        path, _source = BANDWIDTH_FIELDS[resource_type]
        value: Any = props
        for key in path:
            value = value[0] if isinstance(value, list) and value else value  # MaxItems-1 blocks
            value = value.get(key) if isinstance(value, Mapping) else (UNKNOWN if value == UNKNOWN else None)
        limit = as_int(value)
        unlimited = resource_type == BANDWIDTH_PACKAGE and limit == -1
        if value is not None and not unlimited and (limit is None or limit < minimum):
            shown = limit if limit is not None else value
            out.append(f"{path[-1]} {shown} Mbps is below the policy minimum {minimum} Mbps")
        running = props.get("runningFlag")
        if resource_type == INSTANCE and policy.instance.must_be_running and running in (False, UNKNOWN):
            out.append("runningFlag false stops the instance; the policy requires it RUNNING")
    elif resource_type in (DYN_BANDWIDTH, DYNAMIC) and "target_mbps" in props:
        target = as_int(props["target_mbps"])
        if target is None or target < minimum:
            shown = target if target is not None else props["target_mbps"]
            out.append(f"target_mbps {shown} is below the policy minimum {minimum} Mbps")
    return out


# ------------------------------------------------------------------------------ helpers


def items_of(value: Any) -> list[Any]:
    if value == UNKNOWN:
        return [UNKNOWN]
    return list(value) if isinstance(value, (list, tuple)) else []


def get(item: Any, key: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(key)
    return UNKNOWN if item == UNKNOWN else None


def as_int(value: Any) -> int | None:
    try:
        return int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def within(source: str, admin: str) -> bool:
    inner, outer = ipaddress.ip_network(source, strict=False), ipaddress.ip_network(admin, strict=False)
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]
