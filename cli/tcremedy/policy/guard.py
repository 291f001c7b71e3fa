"""Deployment-time checks of DECLARED resources against a policy (the CrossGuard pack's core).

``tcremedy plan``/``check`` judge the live cloud; this module judges what a Pulumi program is
about to deploy, so a pipeline cannot widen RDP access beyond the policy or ship an instance
that cannot be reached. Pure: resource type + input properties (as the engine passes them to
an analyzer, camelCase for pulumi-tencentcloud) in, violation messages out.

Understood declarations:

* ``tencentcloud:Security/groupRule:GroupRule`` (``type``, ``policy``, ``cidrIp``, ``ipProtocol``,
  ``portRange``), ``.../groupLiteRule:GroupLiteRule`` (``ingresses``: ``ACTION#source#port#proto``),
  ``.../groupRuleSet:GroupRuleSet`` (``ingresses``: objects with ``action``, ``cidrBlock``,
  ``protocol``, ``port``), and tcremedy's own dynamic ingress rule (``cidr_block``...);
* ``tencentcloud:Vpc/acl:Acl`` (``ingresses``: ``ACTION#cidr#port#PROTOCOL[#description]``, in
  order, first match wins, implicit final DROP): the entries are evaluated together, so an
  ``ACCEPT ALL`` under a ``DROP`` of the RDP port admits nothing; tcremedy's dynamic ACL entry
  (``network_acl_id``, ``direction: ingress``) is judged like one rule;
* ``tencentcloud:Instance/instance:Instance`` (``internetMaxBandwidthOut``, ``runningFlag``) and
  tcremedy's dynamic bandwidth fix (``target_mbps``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from tcremedy.cloud.state import NetworkAcl, NetworkAclEntry
from tcremedy.diagnose.model import Access
from tcremedy.diagnose.reachability import acl_verdicts, parse_ports
from tcremedy.policy.model import Policy, is_public_cidr

GROUP_RULE = "tencentcloud:Security/groupRule:GroupRule"
GROUP_LITE_RULE = "tencentcloud:Security/groupLiteRule:GroupLiteRule"
GROUP_RULE_SET = "tencentcloud:Security/groupRuleSet:GroupRuleSet"
NETWORK_ACL = "tencentcloud:Vpc/acl:Acl"
INSTANCE = "tencentcloud:Instance/instance:Instance"
DYNAMIC = "pulumi-python:dynamic:Resource"


def declared_violations(policy: Policy, resource_type: str, props: Mapping[str, Any]) -> list[str]:
    """Why this declared resource breaks the policy (empty list: it does not)."""
    messages = [_ingress_violation(policy, rule) for rule in _ingress_rules(resource_type, props)]
    if resource_type == NETWORK_ACL:
        messages += _acl_violations(policy, props.get("ingresses") or ())
    messages += _instance_violations(policy, resource_type, props)
    return [m for m in messages if m]


def _ingress_rules(resource_type: str, props: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    """Normalise every ingress rule a declaration carries to {action, source, port, protocol}."""
    if resource_type == GROUP_RULE and str(props.get("type", "")).lower() == "ingress":
        yield _rule(props.get("policy"), props.get("cidrIp"), props.get("portRange"), props.get("ipProtocol"))
    elif resource_type == GROUP_LITE_RULE:
        for text in props.get("ingresses") or ():
            action, source, port, protocol = ([*str(text).split("#"), "", "", ""])[:4]
            yield _rule(action, source, port, protocol)
    elif resource_type == GROUP_RULE_SET:
        for item in props.get("ingresses") or ():
            yield _rule(item.get("action"), item.get("cidrBlock") or item.get("ipv6CidrBlock"),
                        item.get("port"), item.get("protocol"))
    elif resource_type == DYNAMIC and _dynamic_ingress(props):
        yield _rule(props.get("action"), props.get("cidr_block"), props.get("port"), props.get("protocol"))


def _dynamic_ingress(props: Mapping[str, Any]) -> bool:
    """tcremedy's SG rule, or its inbound ACL entry (an egress entry passes replies, not connections)."""
    if "cidr_block" not in props:
        return False
    return "security_group_id" in props or ("network_acl_id" in props and props.get("direction") == "ingress")


def _rule(action: Any, source: Any, port: Any, protocol: Any) -> dict[str, str]:
    return {"action": str(action or "").upper(), "source": str(source or "").strip(),
            "port": str(port or "ALL"), "protocol": str(protocol or "ALL").upper()}


def _ingress_violation(policy: Policy, rule: dict[str, str]) -> str:
    if rule["action"] != "ACCEPT" or rule["protocol"] not in ("TCP", "ALL") or not _is_cidr(rule["source"]):
        return ""  # drops, other protocols, group/template sources do not widen CIDR access
    ports = parse_ports(rule["port"])
    if ports is not None and not any(lo <= policy.rdp.port <= hi for lo, hi in ports):
        return ""
    what = f"ingress ACCEPT {rule['protocol']}/{rule['port']} from {rule['source']}"
    if is_public_cidr(rule["source"]):
        if policy.rdp.allow_public_rdp:
            return ""
        return f"{what} opens RDP (port {policy.rdp.port}) to the whole internet; policy `{policy.name}` " \
               "does not set rdp.allow_public_rdp"
    if not any(_within(rule["source"], admin) for admin in policy.rdp.admin_cidrs):
        return f"{what} admits RDP (port {policy.rdp.port}) from outside the policy's admin CIDRs " \
               f"({', '.join(policy.rdp.admin_cidrs)})"
    return ""


def _acl_violations(policy: Policy, ingresses: Any) -> list[str]:
    """Addresses outside the admin CIDRs that the declared inbound entries pass to the RDP port."""
    entries = []
    for text in ingresses:
        action, cidr, port, protocol = ([*str(text).split("#"), "", "", ""])[:4]
        v6 = ":" in cidr
        entries.append(NetworkAclEntry(protocol.upper() or "ALL", port, action.upper(),
                                       "" if v6 else cidr, cidr if v6 else ""))
    acl = NetworkAcl("declared", ingress=tuple(entries))
    out = []
    for everyone in ("0.0.0.0/0", "::/0"):
        verdict = acl_verdicts(acl, everyone, policy.rdp.port)[0]
        admitted = verdict.cidrs_with(Access.ALLOW)
        outside = [c for c in admitted if not any(_within(c, admin) for admin in policy.rdp.admin_cidrs)]
        what = f"network ACL ingress entries pass TCP/{policy.rdp.port} (RDP)"
        if list(admitted) == [everyone]:
            if not policy.rdp.allow_public_rdp:
                out.append(f"{what} from the whole internet ({everyone}); policy `{policy.name}` does not "
                           "set rdp.allow_public_rdp")
        elif outside:
            out.append(f"{what} from {', '.join(outside)}, outside the policy's admin CIDRs "
                       f"({', '.join(policy.rdp.admin_cidrs)})")
    return out


def _instance_violations(policy: Policy, resource_type: str, props: Mapping[str, Any]) -> list[str]:
    out = []
    minimum = policy.capacity.min_bandwidth_mbps
    if resource_type == INSTANCE:
        bandwidth = props.get("internetMaxBandwidthOut")
        if bandwidth is not None and int(bandwidth) < minimum:
            out.append(f"internetMaxBandwidthOut {bandwidth} Mbps is below the policy minimum {minimum} Mbps")
        if policy.instance.must_be_running and props.get("runningFlag") is False:
            out.append("runningFlag false stops the instance; the policy requires it RUNNING")
    elif resource_type == DYNAMIC and "target_mbps" in props and int(props["target_mbps"]) < minimum:
        out.append(f"target_mbps {props['target_mbps']} is below the policy minimum {minimum} Mbps")
    return out


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _within(source: str, admin: str) -> bool:
    inner, outer = ipaddress.ip_network(source, strict=False), ipaddress.ip_network(admin, strict=False)
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]
