"""Deployment-time checks of DECLARED resources against a policy (the CrossGuard pack's core).

``tcremedy plan``/``check`` judge the live cloud; this module judges what a Pulumi program is
about to deploy, so a pipeline cannot widen RDP access beyond the policy or starve an instance of
the bandwidth RDP needs. Pure: resource type + input properties (camelCase for pulumi-tencentcloud,
as the engine passes them to an analyzer) in, violation messages out.

Every resource type that can open RDP or starve it (argument names from the installed
pulumi-tencentcloud 0.2.3 package; meaning from terraform-provider-tencentcloud v1.82.42,
``tencentcloud/services/<file>``):

* security-group rules in all forms: ``Security/groupRule`` (vpc/resource_tc_security_group_rule.go:
  ``type``, ``policy``, ``cidrIp`` IPv4 or IPv6, ``sourceSgid``, ``addressTemplate {templateId,
  groupId}``, ``ipProtocol``, ``portRange``, ``protocolTemplate {templateId, groupId}``),
  ``Security/groupLiteRule`` (vpc/resource_tc_security_group_lite_rule.go, ``parseRule`` in
  vpc/service_tencentcloud_vpc.go: ``ACTION#source#port#PROTO``, the source a CIDR, ``sg-``, or an
  ``ipm-``/``ipmg-`` address template, the protocol ``ppm-``/``ppmg-`` a protocol template),
  ``Security/groupRuleSet`` (vpc/resource_tc_security_group_rule_set.go ``ingresses``: ``action``,
  ``cidrBlock``, ``ipv6CidrBlock``, ``sourceSecurityId``, ``addressTemplateId``,
  ``addressTemplateGroup``, ``protocol``, ``port``, ``serviceTemplateId``, ``serviceTemplateGroup``),
  and tcremedy's own ``pulumi-python:dynamic/tcremedy:SecurityGroupIngressRule``;
* a template reference is judged by what the template holds (``resolve(kind, ref)``): addresses
  of ``Address/template`` (``addresses``), ``Address/extraTemplate`` (``addressesExtras[].address``),
  ``Address/templateGroup`` (``templateIds``); services of ``Protocol/template`` (``protocols``,
  ``tcp:3389``, ``tcp:80,443``, ``tcp:3000-4000``, ``tcp:all``, ``icmp``) and
  ``Protocol/templateGroup``. An address template that cannot be resolved, or any source unknown at
  preview, is refused (it cannot be verified); a protocol template that cannot be resolved is judged
  as every protocol and port;
* security groups bound to instances: ``Cvm/securityGroupAttachment``
  (cvm/resource_tc_cvm_security_group_attachment.go ``security_group_id``), ``Instance/instance``
  (``orderlySecurityGroups``, ``securityGroups``), ``Instance/set`` (``securityGroups``),
  ``Cvm/launchTemplate`` (``securityGroupIds``): a group that already exists (a literal ``sg-`` id)
  is judged by its ingress rules as the cloud lists them (``group_rules``: DescribeSecurityGroupPolicies;
  every ACCEPT, whatever lies above it); a group the program creates is judged through the rule
  resources it declares for it; a group that cannot be read is not judged;
* network ACLs in both forms (``crossguard_limits``): ``Vpc/acl`` and ``Vpc/networkAclQuintuple``,
  and tcremedy's ``…:AclRdpEntry`` (an inbound entry is judged like one rule);
* bandwidth (``crossguard_limits.BANDWIDTH_FIELDS``): ``Instance/instance`` (and ``runningFlag``),
  ``Instance/set``, ``Cvm/launchTemplate``, ``Eip/instance``, ``Vpc/bandwidthPackage``, and
  tcremedy's ``…:InstanceBandwidth`` (``target_mbps``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tcremedy.diagnose.rule_fields import parse_ports
from tcremedy.policy.model import Policy
from tcremedy.policy.values import is_public_cidr
from tcremedy.remediate.crossguard_limits import (
    BANDWIDTH_FIELDS,
    BANDWIDTH_PACKAGE,
    DYN_BANDWIDTH,
    DYNAMIC,
    EIP,
    INSTANCE,
    INSTANCE_SET,
    LAUNCH_TEMPLATE,
    UNKNOWN,
    acl_text,
    acl_violations,
    bandwidth_violations,
    get,
    is_cidr,
    items_of,
    quintuple_entries,
    within,
)

__all__ = [
    "BANDWIDTH_FIELDS",
    "BANDWIDTH_PACKAGE",
    "DYNAMIC",
    "DYN_BANDWIDTH",
    "EIP",
    "INSTANCE",
    "INSTANCE_SET",
    "LAUNCH_TEMPLATE",
    "UNKNOWN",
]  # fmt: skip

GROUP_RULE = "tencentcloud:Security/groupRule:GroupRule"
GROUP_LITE_RULE = "tencentcloud:Security/groupLiteRule:GroupLiteRule"
GROUP_RULE_SET = "tencentcloud:Security/groupRuleSet:GroupRuleSet"
NETWORK_ACL = "tencentcloud:Vpc/acl:Acl"
ACL_QUINTUPLE = "tencentcloud:Vpc/networkAclQuintuple:NetworkAclQuintuple"
ADDRESS_TEMPLATE = "tencentcloud:Address/template:Template"
ADDRESS_EXTRA_TEMPLATE = "tencentcloud:Address/extraTemplate:ExtraTemplate"
ADDRESS_TEMPLATE_GROUP = "tencentcloud:Address/templateGroup:TemplateGroup"
PROTOCOL_TEMPLATE = "tencentcloud:Protocol/template:Template"
PROTOCOL_TEMPLATE_GROUP = "tencentcloud:Protocol/templateGroup:TemplateGroup"
ADDRESS_TYPES = (ADDRESS_TEMPLATE, ADDRESS_EXTRA_TEMPLATE, ADDRESS_TEMPLATE_GROUP)
SERVICE_TYPES = (PROTOCOL_TEMPLATE, PROTOCOL_TEMPLATE_GROUP)
TEMPLATE_TYPES = ADDRESS_TYPES + SERVICE_TYPES
GROUP_TYPES = (ADDRESS_TEMPLATE_GROUP, PROTOCOL_TEMPLATE_GROUP)
# tcremedy's own dynamic resources (remediate/program/dynamic_backend.py: module "tcremedy").
DYN_SG_RULE = "pulumi-python:dynamic/tcremedy:SecurityGroupIngressRule"
DYN_ACL_ENTRY = "pulumi-python:dynamic/tcremedy:AclRdpEntry"
DYNAMIC_TYPES = (DYNAMIC, DYN_SG_RULE, DYN_ACL_ENTRY, DYN_BANDWIDTH)
RULE_SET_SOURCES = (
    "cidrBlock",
    "ipv6CidrBlock",
    "addressTemplateId",
    "addressTemplateGroup",
    "sourceSecurityId",
)
WHOLLY_UNKNOWN = "<rule unknown at preview>"
SG_ATTACHMENT = "tencentcloud:Cvm/securityGroupAttachment:SecurityGroupAttachment"
ATTACHED_GROUPS = {  # type -> the fields naming the security groups it binds to instances
    SG_ATTACHMENT: ("securityGroupId",),
    INSTANCE: ("orderlySecurityGroups", "securityGroups"),
    INSTANCE_SET: ("securityGroups",),
    LAUNCH_TEMPLATE: ("securityGroupIds",),
}
ADDRESS, SERVICE = "address", "service"  # the kinds of template reference
# (kind, reference) -> the template's CIDRs (address) or ``proto:ports`` specs (service); None: unknown
Resolver = Callable[[str, str], "tuple[str, ...] | None"]
# security group id -> its ingress policies as DescribeSecurityGroupPolicies lists them; None: unreadable
GroupRules = Callable[[str], "list[dict[str, Any]] | None"]


def declared_violations(
    policy: Policy,
    resource_type: str,
    props: Mapping[str, Any],
    resolve: Resolver | None = None,
    group_rules: GroupRules | None = None,
) -> list[str]:
    """Why this declared resource breaks the policy (empty list: it does not)."""
    resolve = resolve or (lambda _kind, _ref: None)
    messages = [_ingress_violation(policy, rule, resolve) for rule in _ingress_rules(resource_type, props)]
    messages += _attachment_violations(policy, resource_type, props, resolve, group_rules)
    if resource_type == NETWORK_ACL:
        messages += acl_violations(policy, [acl_text(t) for t in items_of(props.get("ingresses"))])
    elif resource_type == ACL_QUINTUPLE:
        messages += acl_violations(policy, quintuple_entries(props))
    messages += bandwidth_violations(policy, resource_type, props)
    return [m for m in messages if m]


def template_addresses(resource_type: str, props: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The CIDRs an address template declares (None when one is not an address or unknown)."""
    if resource_type == ADDRESS_TEMPLATE:
        texts = [str(a) for a in items_of(props.get("addresses"))]
    elif resource_type == ADDRESS_EXTRA_TEMPLATE:
        texts = [str(get(a, "address")) for a in items_of(props.get("addressesExtras"))]
    else:
        return None
    out: list[str] = []
    for text in texts:
        cidrs = address_cidrs(text)
        if cidrs is None:
            return None
        out += cidrs
    return tuple(out)


def template_services(resource_type: str, props: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The ``proto:ports`` a protocol template declares (vpc/resource_tc_protocol_template.go)."""
    if resource_type != PROTOCOL_TEMPLATE:
        return None
    specs = tuple(str(p) for p in items_of(props.get("protocols")))
    return None if UNKNOWN in specs else specs


def address_cidrs(text: str) -> list[str] | None:
    """``10.0.0.1``, ``10.0.0.0/24`` or ``10.0.0.1-10.0.0.9`` (template forms) -> CIDRs."""
    text = text.strip()
    try:
        if "-" in text:
            first, last = (ipaddress.ip_address(p.strip()) for p in text.split("-", 1))
            return [str(n) for n in ipaddress.summarize_address_range(first, last)]  # type: ignore[arg-type]
        return [str(ipaddress.ip_network(text, strict=False))]
    except (ValueError, TypeError):
        return None


# ------------------------------------------------------------------------------ rules


def _ingress_rules(resource_type: str, props: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    """Normalise every ingress rule a declaration carries to {action, source, port, protocol, service}."""
    if resource_type == GROUP_RULE and str(props.get("type", "")).lower() in ("ingress", UNKNOWN.lower()):
        source = props.get("cidrIp") or props.get("sourceSgid")
        template = props.get("addressTemplate")
        if template is not None:
            source = _template_ref(template, "templateId", "groupId")
        service = props.get("protocolTemplate")
        yield _rule(
            props.get("policy"), source, props.get("portRange"), props.get("ipProtocol"),
            _template_ref(service, "templateId", "groupId") if service is not None else "",
        )  # fmt: skip
    elif resource_type == GROUP_LITE_RULE:
        for text in items_of(props.get("ingresses")):
            if text == UNKNOWN:  # the whole string is built from outputs unknown at preview
                yield _rule(UNKNOWN, WHOLLY_UNKNOWN, UNKNOWN, UNKNOWN)
                continue
            action, source, port, protocol = ([*str(text).split("#"), "", "", ""])[:4]
            if protocol.startswith(("ppm-", "ppmg-")):
                yield _rule(action, source, "", "", protocol)
            else:
                yield _rule(action, source, port, protocol)
    elif resource_type == GROUP_RULE_SET:
        for item in items_of(props.get("ingresses")):
            service = get(item, "serviceTemplateId") or get(item, "serviceTemplateGroup") or ""
            # the provider refuses two sources in one item; each one set is judged all the same
            sources = [get(item, k) for k in RULE_SET_SOURCES if get(item, k)] or [None]
            for source in sources:
                yield _rule(get(item, "action"), source, get(item, "port"), get(item, "protocol"), service)
    elif resource_type in DYNAMIC_TYPES and _dynamic_ingress(props):
        yield _rule(props.get("action"), props.get("cidr_block"), props.get("port"), props.get("protocol"))


def _template_ref(value: Any, one: str, group: str) -> str:
    if isinstance(value, list):  # MaxItems 1: a one-item list or the object
        value = value[0] if len(value) == 1 else UNKNOWN
    if isinstance(value, Mapping):
        return str(value.get(one) or value.get(group) or UNKNOWN)
    return UNKNOWN


def _dynamic_ingress(props: Mapping[str, Any]) -> bool:
    """tcremedy's SG rule, or its inbound ACL entry (an egress entry passes replies, not connections)."""
    if "cidr_block" not in props:
        return False
    return "security_group_id" in props or ("network_acl_id" in props and props.get("direction") == "ingress")


def _rule(action: Any, source: Any, port: Any, protocol: Any, service: Any = "") -> dict[str, str]:
    return {
        "action": str(action or "").upper(),
        "source": str(source or "").strip(),
        "port": str(port or "ALL"),
        "protocol": str(protocol or "ALL").upper(),
        "service": str(service or ""),
    }


def _covers_rdp(policy: Policy, rule: dict[str, str], resolve: Resolver) -> bool:
    """Whether the rule's protocol and ports (or its protocol template) include TCP/RDP."""
    if rule["service"]:
        specs = resolve(SERVICE, rule["service"])
        if specs is None:
            return True  # a protocol template that cannot be read: judged as every protocol and port
        pairs = [(p.strip().upper(), ports.strip()) for p, _, ports in (s.partition(":") for s in specs)]
    else:
        pairs = [(rule["protocol"], rule["port"])]
    for protocol, port in pairs:
        if protocol not in ("TCP", "ALL", UNKNOWN.upper()):
            continue
        ports = parse_ports(port)  # None (malformed or unknown): judged as if it covered the port
        if ports is None or any(lo <= policy.rdp.port <= hi for lo, hi in ports):
            return True
    return False


def _ingress_violation(policy: Policy, rule: dict[str, str], resolve: Resolver) -> str:
    action, source = rule["action"], rule["source"]
    if action not in ("ACCEPT", UNKNOWN.upper()) or not _covers_rdp(policy, rule, resolve):
        return ""  # drops, other protocols and other ports do not admit RDP
    if source.startswith("sg-"):
        return ""  # a security group as source: its members, not a CIDR
    shown = rule["service"] or f"{rule['protocol']}/{rule['port']}"
    what = f"ingress ACCEPT {shown} from {source or '?'}"
    if is_cidr(source):
        cidrs: tuple[str, ...] | None = (source,)
    elif source.startswith(("ipm-", "ipmg-")) or source == UNKNOWN:
        cidrs = resolve(ADDRESS, source)
    else:
        cidrs = None
    if source == WHOLLY_UNKNOWN:
        return (
            f"an ingress rule is unknown at preview (built from other resources' outputs), so RDP "
            f"(port {policy.rdp.port}) cannot be verified to stay within the policy's admin CIDRs; "
            "preview again once those resources exist, or write the rule from known values"
        )
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
        if not any(within(cidr, admin) for admin in policy.rdp.admin_cidrs):
            return (
                f"{what} admits RDP (port {policy.rdp.port}) from {cidr}, outside the policy's admin "
                f"CIDRs ({', '.join(policy.rdp.admin_cidrs)})"
            )
    return ""


# ------------------------------------------------------------------- bound security groups


def _attachment_violations(
    policy: Policy, resource_type: str, props: Mapping[str, Any], resolve: Resolver, rules: GroupRules | None
) -> list[str]:
    groups: list[Any] = []
    for key in ATTACHED_GROUPS.get(resource_type, ()):
        value = props.get(key)
        groups += value if isinstance(value, list) else [value]
    out = []
    for group in groups:
        if not (isinstance(group, str) and group.startswith("sg-")) or rules is None:
            continue  # created by this program (its rule resources are judged) or nothing to read
        for policy_rule in rules(group) or ():
            message = _ingress_violation(policy, _api_rule(policy_rule), resolve)
            if message:
                out.append(f"binds security group {group}, whose {message}")
    return out


def _api_rule(rule: Mapping[str, Any]) -> dict[str, str]:
    """One ingress policy as the API lists it (vpc ``SecurityGroupPolicy``) -> a normalised rule."""
    address, service = rule.get("AddressTemplate") or {}, rule.get("ServiceTemplate") or {}
    source = (
        rule.get("CidrBlock")
        or rule.get("Ipv6CidrBlock")
        or address.get("AddressId")
        or address.get("AddressGroupId")
        or rule.get("SecurityGroupId")
    )
    return _rule(
        rule.get("Action"), source, rule.get("Port"), rule.get("Protocol"),
        service.get("ServiceId") or service.get("ServiceGroupId") or "",
    )  # fmt: skip
