"""Deployment-time checks of DECLARED resources against a policy (the CrossGuard pack's core).

``tcremedy plan``/``check`` judge the live cloud; this module judges what a Pulumi program is
about to deploy, so a pipeline cannot widen RDP access beyond the policy or starve an instance of
the bandwidth RDP needs. Pure: resource type + input properties (camelCase for pulumi-tencentcloud,
as the engine passes them to an analyzer) in, violation messages out.

Every resource type that can open RDP or starve it (argument names from the installed
pulumi-tencentcloud 0.2.3 package, ``tencentcloud_iac_pulumi/{security,vpc,address,instance}``):

* security-group rules in all forms: ``Security/groupRule`` (``type``, ``policy``, ``cidrIp``
  IPv4 or IPv6, ``addressTemplate {templateId, groupId}``, ``ipProtocol``, ``portRange``),
  ``Security/groupLiteRule`` (``ingresses``: ``ACTION#source#port#PROTO``, the source a CIDR or an
  ``ipm-``/``ipmg-`` address template), ``Security/groupRuleSet`` (``ingresses``: ``action``,
  ``cidrBlock``, ``ipv6CidrBlock``, ``addressTemplateId``, ``addressTemplateGroup``, ``protocol``,
  ``port``), and tcremedy's own ``pulumi-python:dynamic/tcremedy:SecurityGroupIngressRule``;
* a source that is an address template or template group is judged by the addresses of the
  ``Address/template`` (``addresses``), ``Address/extraTemplate`` (``addressesExtras[].address``)
  and ``Address/templateGroup`` (``templateIds``) resources it refers to (``resolve``); one that
  cannot be resolved, or any source unknown at preview, is refused: it cannot be verified;
* network ACLs in both forms: ``Vpc/acl`` (``ingresses``: ``ACTION#cidr#port#PROTOCOL``, first
  match wins) and ``Vpc/networkAclQuintuple`` (``networkAclQuintupleSet.ingresses``: ``action``,
  ``sourceCidr``, ``destinationPort``, ``protocol``, ``priority``), evaluated together, and
  tcremedy's ``…:AclRdpEntry`` (an inbound entry is judged like one rule);
* bandwidth: ``Instance/instance`` (``internetMaxBandwidthOut``, ``runningFlag``) and tcremedy's
  ``…:InstanceBandwidth`` (``target_mbps``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tcremedy.cloud.state import NetworkAcl, NetworkAclEntry
from tcremedy.diagnose.model import Access
from tcremedy.diagnose.reachability import acl_verdicts, parse_ports
from tcremedy.policy.model import Policy, is_public_cidr

GROUP_RULE = "tencentcloud:Security/groupRule:GroupRule"
GROUP_LITE_RULE = "tencentcloud:Security/groupLiteRule:GroupLiteRule"
GROUP_RULE_SET = "tencentcloud:Security/groupRuleSet:GroupRuleSet"
NETWORK_ACL = "tencentcloud:Vpc/acl:Acl"
ACL_QUINTUPLE = "tencentcloud:Vpc/networkAclQuintuple:NetworkAclQuintuple"
INSTANCE = "tencentcloud:Instance/instance:Instance"
ADDRESS_TEMPLATE = "tencentcloud:Address/template:Template"
ADDRESS_EXTRA_TEMPLATE = "tencentcloud:Address/extraTemplate:ExtraTemplate"
ADDRESS_TEMPLATE_GROUP = "tencentcloud:Address/templateGroup:TemplateGroup"
TEMPLATE_TYPES = (ADDRESS_TEMPLATE, ADDRESS_EXTRA_TEMPLATE, ADDRESS_TEMPLATE_GROUP)
# tcremedy's own dynamic resources (stacks/remediation/dynamic_backend.py: module "tcremedy").
DYNAMIC = "pulumi-python:dynamic:Resource"  # any other program's plain dynamic resource
DYN_SG_RULE = "pulumi-python:dynamic/tcremedy:SecurityGroupIngressRule"
DYN_ACL_ENTRY = "pulumi-python:dynamic/tcremedy:AclRdpEntry"
DYN_BANDWIDTH = "pulumi-python:dynamic/tcremedy:InstanceBandwidth"
DYNAMIC_TYPES = (DYNAMIC, DYN_SG_RULE, DYN_ACL_ENTRY, DYN_BANDWIDTH)

UNKNOWN = "<unknown at preview>"  # the pack puts this where the engine passed an unknown value
Resolver = Callable[[str], "tuple[str, ...] | None"]  # template reference -> its CIDRs, None: unknown


def declared_violations(
    policy: Policy, resource_type: str, props: Mapping[str, Any], resolve: Resolver | None = None
) -> list[str]:
    """Why this declared resource breaks the policy (empty list: it does not)."""
    resolve = resolve or (lambda _ref: None)
    messages = [_ingress_violation(policy, rule, resolve) for rule in _ingress_rules(resource_type, props)]
    if resource_type == NETWORK_ACL:
        messages += _acl_violations(policy, [_acl_text(t) for t in _items(props.get("ingresses"))])
    elif resource_type == ACL_QUINTUPLE:
        quintuple = props.get("networkAclQuintupleSet")
        items = _items(quintuple.get("ingresses") if isinstance(quintuple, Mapping) else quintuple)
        ordered = sorted(enumerate(items), key=lambda p: (_int(_get(p[1], "priority")) or 0, p[0]))
        messages += _acl_violations(policy, [_quintuple_entry(e) for _, e in ordered])
    messages += _bandwidth_violations(policy, resource_type, props)
    return [m for m in messages if m]


def template_addresses(resource_type: str, props: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The CIDRs an address template declares (None when one is not an address or unknown)."""
    if resource_type == ADDRESS_TEMPLATE:
        texts = [str(a) for a in _items(props.get("addresses"))]
    elif resource_type == ADDRESS_EXTRA_TEMPLATE:
        texts = [str(_get(a, "address")) for a in _items(props.get("addressesExtras"))]
    else:
        return None
    out: list[str] = []
    for text in texts:
        cidrs = _address_cidrs(text)
        if cidrs is None:
            return None
        out += cidrs
    return tuple(out)


# ------------------------------------------------------------------------------ rules


def _ingress_rules(resource_type: str, props: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Normalise every ingress rule a declaration carries to {action, source, port, protocol}."""
    if resource_type == GROUP_RULE and str(props.get("type", "")).lower() in ("ingress", UNKNOWN.lower()):
        template = props.get("addressTemplate")
        source = props.get("cidrIp")
        if isinstance(template, Mapping):
            source = template.get("templateId") or template.get("groupId") or UNKNOWN
        elif template is not None:
            source = UNKNOWN
        yield _rule(props.get("policy"), source, props.get("portRange"), props.get("ipProtocol"))
    elif resource_type == GROUP_LITE_RULE:
        for text in _items(props.get("ingresses")):
            action, source, port, protocol = ([*str(text).split("#"), "", "", ""])[:4]
            yield _rule(action, source, port, protocol)
    elif resource_type == GROUP_RULE_SET:
        for item in _items(props.get("ingresses")):
            source = (
                _get(item, "cidrBlock")
                or _get(item, "ipv6CidrBlock")
                or _get(item, "addressTemplateId")
                or _get(item, "addressTemplateGroup")
                or _get(item, "sourceSecurityId")
            )
            yield _rule(_get(item, "action"), source, _get(item, "port"), _get(item, "protocol"))
    elif resource_type in DYNAMIC_TYPES and _dynamic_ingress(props):
        yield _rule(props.get("action"), props.get("cidr_block"), props.get("port"), props.get("protocol"))


def _dynamic_ingress(props: Mapping[str, Any]) -> bool:
    """tcremedy's SG rule, or its inbound ACL entry (an egress entry passes replies, not connections)."""
    if "cidr_block" not in props:
        return False
    return "security_group_id" in props or ("network_acl_id" in props and props.get("direction") == "ingress")


def _rule(action: Any, source: Any, port: Any, protocol: Any) -> dict[str, str]:
    return {
        "action": str(action or "").upper(),
        "source": str(source or "").strip(),
        "port": str(port or "ALL"),
        "protocol": str(protocol or "ALL").upper(),
    }


def _ingress_violation(policy: Policy, rule: dict[str, str], resolve: Resolver) -> str:
    action, protocol, source = rule["action"], rule["protocol"], rule["source"]
    if action not in ("ACCEPT", UNKNOWN.upper()) or protocol not in ("TCP", "ALL", UNKNOWN.upper()):
        return ""  # drops and other protocols do not admit RDP
    ports = parse_ports(rule["port"])  # None (malformed or unknown): judged as if it covered the port
    if ports is not None and not any(lo <= policy.rdp.port <= hi for lo, hi in ports):
        return ""
    if source.startswith("sg-"):
        return ""  # a security group as source: its members, not a CIDR
    what = f"ingress ACCEPT {protocol}/{rule['port']} from {source}"
    if _is_cidr(source):
        cidrs: tuple[str, ...] | None = (source,)
    elif source.startswith(("ipm-", "ipmg-")) or source == UNKNOWN:
        cidrs = resolve(source)
    else:
        cidrs = None
    if cidrs is None:
        return (
            f"{what}: the source cannot be resolved to addresses at preview (declare its address "
            f"template in this program, or use a CIDR), so RDP (port {policy.rdp.port}) cannot be "
            "verified to stay within the policy's admin CIDRs"
        )
    for cidr in cidrs:
        if is_public_cidr(cidr):
            if policy.rdp.allow_public_rdp:
                continue
            return (
                f"{what} opens RDP (port {policy.rdp.port}) to the whole internet ({cidr}); "
                f"policy `{policy.name}` does not set rdp.allow_public_rdp"
            )
        if not any(_within(cidr, admin) for admin in policy.rdp.admin_cidrs):
            return (
                f"{what} admits RDP (port {policy.rdp.port}) from {cidr}, outside the policy's admin "
                f"CIDRs ({', '.join(policy.rdp.admin_cidrs)})"
            )
    return ""


# ------------------------------------------------------------------------------- ACLs


def _acl_text(text: Any) -> tuple[str, str, str, str]:
    action, cidr, port, protocol = ([*str(text).split("#"), "", "", ""])[:4]
    return action, cidr, port, protocol


def _quintuple_entry(item: Any) -> tuple[str, str, str, str]:
    return (
        str(_get(item, "action") or ""),
        str(_get(item, "sourceCidr") or "0.0.0.0/0"),  # an absent source matches every source
        str(_get(item, "destinationPort") or "ALL"),
        str(_get(item, "protocol") or "ALL"),
    )


def _acl_violations(policy: Policy, ingresses: list[tuple[str, str, str, str]]) -> list[str]:
    """Addresses outside the admin CIDRs that the declared inbound entries pass to the RDP port."""
    what = f"network ACL ingress entries pass TCP/{policy.rdp.port} (RDP)"
    entries = []
    for action, cidr, port, protocol in ingresses:
        if not _is_cidr(cidr) or UNKNOWN in (action, port, protocol):
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
        outside = [c for c in admitted if not any(_within(c, admin) for admin in policy.rdp.admin_cidrs)]
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


def _bandwidth_violations(policy: Policy, resource_type: str, props: Mapping[str, Any]) -> list[str]:
    out = []
    minimum = policy.capacity.min_bandwidth_mbps
    if resource_type == INSTANCE:
        bandwidth = props.get("internetMaxBandwidthOut")
        if bandwidth is not None and (_int(bandwidth) is None or _int(bandwidth) < minimum):  # type: ignore[operator]
            shown = _int(bandwidth) if _int(bandwidth) is not None else bandwidth
            out.append(f"internetMaxBandwidthOut {shown} Mbps is below the policy minimum {minimum} Mbps")
        if policy.instance.must_be_running and props.get("runningFlag") in (False, UNKNOWN):
            out.append("runningFlag false stops the instance; the policy requires it RUNNING")
    elif resource_type in DYNAMIC_TYPES and "target_mbps" in props:
        target = _int(props["target_mbps"])
        if target is None or target < minimum:
            shown = target if target is not None else props["target_mbps"]
            out.append(f"target_mbps {shown} is below the policy minimum {minimum} Mbps")
    return out


# ------------------------------------------------------------------------------ helpers


def _items(value: Any) -> list[Any]:
    if value == UNKNOWN:
        return [UNKNOWN]
    return list(value) if isinstance(value, (list, tuple)) else []


def _get(item: Any, key: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(key)
    return UNKNOWN if item == UNKNOWN else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _address_cidrs(text: str) -> list[str] | None:
    """``10.0.0.1``, ``10.0.0.0/24`` or ``10.0.0.1-10.0.0.9`` (template forms) -> CIDRs."""
    text = text.strip()
    try:
        if "-" in text:
            first, last = (ipaddress.ip_address(p.strip()) for p in text.split("-", 1))
            return [str(n) for n in ipaddress.summarize_address_range(first, last)]  # type: ignore[arg-type]
        return [str(ipaddress.ip_network(text, strict=False))]
    except (ValueError, TypeError):
        return None


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _within(source: str, admin: str) -> bool:
    inner, outer = ipaddress.ip_network(source, strict=False), ipaddress.ip_network(admin, strict=False)
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]
