"""``security.GroupRule`` and ``vpc.Acl``: their API calls and what their Read sets.

GroupRule follows ``services/vpc/resource_tc_security_group_rule.go`` and, in
``services/vpc/service_tencentcloud_vpc.go``, ``CreateSecurityGroupPolicy`` (one policy at
``PolicyIndex``; 0 inserts at the top; Protocol/Action upper-cased; no Version), the rule ID
``buildSecurityGroupRuleId`` (base64 of the JSON of its fields), ``DescribeSecurityGroupPolicy``
(the group's rules of that direction, matched by fields with ``comparePolicyAndSecurityGroupInfo``:
description, CIDR and port exactly, protocol and action ignoring case -- never the position; a
missing group is a deleted rule) and ``DeleteSecurityGroupPolicy`` (deleted by its fields).

Acl follows ``services/vpc/resource_tc_vpc_acl.go``: Read renders each entry as
``ACTION#CIDR#PORT#PROTOCOL[#DESCRIPTION]`` upper-cased as a whole (description included), an
empty port as ``ALL``, an IPv6 entry with an empty CIDR (only ``CidrBlock`` is read), and drops
what ``CheckIfDefaultRule`` calls default (``all``/``0.0.0.0/0``/``Drop`` and ``all``/``::/0``/
``Accept``, exact case); Update parses each declared string (``parseACLRule``: 4 or 5 ``#``
fields, ACCEPT|DROP, an IPv4 CIDR or address, ALL|TCP|UDP|ICMP) and sends the whole changed
direction with ``ModifyNetworkAclEntries`` (``ModifyNetWorkAclRules``: ``CidrBlock`` always set,
``Port`` only when not ALL); an emptied direction is sent as one ``all 0.0.0.0/0 DROP``. Tags are
not read (tcremedy ignores them).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from typing import Any

from tencentcloud_standin.config import ApiCallError, ProviderConfig, ProviderError, retry_write
from tencentcloud_standin.schema import ACL, GROUP_RULE

TYPES = (GROUP_RULE, ACL)


# ---------------------------------------------------------------- security group rule


def _rule_info(inputs: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "sg_id": inputs["securityGroupId"],
        "policy_type": inputs["type"],
        "cidr_ip": inputs.get("cidrIp") or None,
        "protocol": inputs.get("ipProtocol") or "ALL",
        "port_range": inputs.get("portRange") or "ALL",
        "action": inputs["policy"],
        "source_sg_id": inputs.get("sourceSgid") or "",
        "description": inputs.get("description") or "",
    }
    if info["cidr_ip"] is None:
        info["cidr_ip"] = ""
    return info


def _rule_id(info: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(info, separators=(",", ":")).encode()).decode()


def _parse_rule_id(rid: str) -> dict[str, Any]:
    try:
        return json.loads(base64.b64decode(rid))
    except ValueError:
        raise ProviderError(f"invalid security group rule id {rid}") from None


def _matches(policy: dict[str, Any], info: dict[str, Any]) -> bool:
    """comparePolicyAndSecurityGroupInfo (templates are never used by tcremedy)."""
    if (policy.get("PolicyDescription") or "") != (info.get("description") or ""):
        return False
    if (policy.get("CidrBlock") or "") != (info.get("cidr_ip") or ""):
        return False
    port, want_port = policy.get("Port") or "", info.get("port_range") or ""
    if port != want_port and not (port == "" and want_port in ("", "ALL")):
        return False
    proto, want_proto = policy.get("Protocol") or "", info.get("protocol") or ""
    if proto.upper() != want_proto.upper() and not (proto == "" and want_proto in ("", "ALL")):
        return False
    if (policy.get("SecurityGroupId") or "") != (info.get("source_sg_id") or ""):
        return False
    return str(policy.get("Action", "")).upper() == str(info["action"]).upper()


def _find_rule(cfg: ProviderConfig, info: dict[str, Any]) -> dict[str, Any] | None:
    try:
        found = cfg.call("vpc", "DescribeSecurityGroupPolicies", {"SecurityGroupId": info["sg_id"]})
    except ApiCallError as exc:
        if exc.code == "ResourceNotFound":
            return None
        raise
    policies = (found.get("SecurityGroupPolicySet") or {}).get(info["policy_type"].capitalize()) or []
    return next((pl for pl in policies if _matches(pl, info)), None)


def _read_rule(cfg: ProviderConfig, rid: str, state: dict[str, Any]) -> dict[str, Any] | None:
    info = _parse_rule_id(rid)
    policy = _find_rule(cfg, info)
    if policy is None:
        return None
    out: dict[str, Any] = {"securityGroupId": info["sg_id"], "type": info["policy_type"]}
    if policy.get("CidrBlock"):
        out["cidrIp"] = policy["CidrBlock"]
    if policy.get("SecurityGroupId"):
        out["sourceSgid"] = policy["SecurityGroupId"]
    out["ipProtocol"] = state.get("ipProtocol") or "ALL"  # Read keeps the input's spelling
    if policy.get("Port"):
        out["portRange"] = policy["Port"]
    out["policy"] = state.get("policy") or info["action"]
    out["description"] = policy.get("PolicyDescription") or ""
    return out


def _create_rule(cfg: ProviderConfig, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    info = _rule_info(inputs)
    policy: dict[str, Any] = {
        "Action": str(inputs["policy"]).upper(),
        "PolicyIndex": int(inputs.get("policyIndex") or 0),
        "PolicyDescription": inputs.get("description") or "",
        "AddressTemplate": {},
        "ServiceTemplate": {},
    }
    if inputs.get("cidrIp"):
        policy["CidrBlock"] = inputs["cidrIp"]
    if inputs.get("ipProtocol"):
        policy["Protocol"] = str(inputs["ipProtocol"]).upper()
    if inputs.get("portRange"):
        policy["Port"] = inputs["portRange"]
    direction = "Ingress" if inputs["type"].lower() == "ingress" else "Egress"
    cfg.call(
        "vpc",
        "CreateSecurityGroupPolicies",
        {"SecurityGroupId": info["sg_id"], "SecurityGroupPolicySet": {direction: [policy]}},
    )
    rid = _rule_id(info)
    found = _read_rule(cfg, rid, inputs)
    return rid, found or {}


def _delete_rule(cfg: ProviderConfig, rid: str) -> None:
    info = _parse_rule_id(rid)
    if _find_rule(cfg, info) is None:
        raise ProviderError(f"The security group policy(ruleId: {rid}) is nil.")
    policy: dict[str, Any] = {"Action": str(info["action"]).upper()}
    if info.get("cidr_ip"):
        policy["CidrBlock"] = info["cidr_ip"]
    if info.get("protocol") != "ALL":
        policy["Protocol"] = str(info["protocol"]).upper()
    if info.get("port_range") != "ALL":
        policy["Port"] = info["port_range"]
    if info.get("source_sg_id"):
        policy["SecurityGroupId"] = info["source_sg_id"]
    if info.get("description"):
        policy["PolicyDescription"] = info["description"]
    direction = "Ingress" if info["policy_type"].lower() == "ingress" else "Egress"
    try:
        cfg.call(
            "vpc",
            "DeleteSecurityGroupPolicies",
            {"SecurityGroupId": info["sg_id"], "SecurityGroupPolicySet": {direction: [policy]}},
        )
    except ApiCallError as exc:
        if exc.code != "ResourceNotFound":
            raise


# ---------------------------------------------------------------- network ACL

ENTRY_PORT = re.compile(r"^(\d{1,5}|(\d{1,5}-\d{1,5}))$")


def is_default_entry(entry: dict[str, Any]) -> bool:
    """CheckIfDefaultRule: exact-case comparisons, as in the provider."""
    if (
        entry.get("Protocol") == "all"
        and entry.get("Ipv6CidrBlock") == "::/0"
        and entry.get("Action") == "Accept"
    ):
        return True
    return (
        entry.get("Protocol") == "all"
        and entry.get("CidrBlock") == "0.0.0.0/0"
        and entry.get("Action") == "Drop"
    )


def render_entry(entry: dict[str, Any]) -> str:
    fields = [
        entry.get("Action") or "",
        entry.get("CidrBlock") or "",
        entry.get("Port") or "ALL",
        entry.get("Protocol") or "",
    ]
    if entry.get("Description"):
        fields.append(entry["Description"])
    return "#".join(fields).upper()


def parse_entry(text: str) -> dict[str, Any]:
    """parseACLRule, then the NetworkAclEntry ModifyNetWorkAclRules sends."""
    split = text.split("#")
    if len(split) not in (4, 5):
        raise ProviderError(f"invalid acl rule {text}")
    action, cidr, port, protocol = split[:4]
    description = split[4] if len(split) == 5 else ""
    if action not in ("ACCEPT", "DROP"):
        raise ProviderError(f"invalid action {action}, allow action is `ACCEPT` or `DROP`")
    try:
        ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        raise ProviderError(
            f"invalid cidr_ip {cidr}, allow cidr_ip format is `8.8.8.8` or `10.0.1.0/24`"
        ) from None
    if port != "ALL" and not ENTRY_PORT.match(port):
        raise ProviderError(f"invalid port {port}, allow port format is `ALL`, `53` or `80-90`")
    if protocol not in ("ALL", "TCP", "UDP", "ICMP"):
        raise ProviderError(f"invalid protocol {protocol}, allow protocol is `ALL`, `TCP`, `UDP` or `ICMP`")
    if protocol in ("ALL", "ICMP"):
        if port != "ALL":
            raise ProviderError(f"when protocol is {protocol}, port must be ALL")
        port = ""
    entry = {"Protocol": protocol, "CidrBlock": cidr, "Action": action, "Description": description}
    if port:
        entry["Port"] = port
    return entry


def _read_acl(cfg: ProviderConfig, acl_id: str) -> dict[str, Any] | None:
    found = cfg.call("vpc", "DescribeNetworkAcls", {"NetworkAclIds": [acl_id]})
    acls = found.get("NetworkAclSet") or []
    if not acls:
        return None
    acl = acls[0]
    return {
        "vpcId": acl.get("VpcId"),
        "name": acl.get("NetworkAclName"),
        "createTime": acl.get("CreatedTime"),
        "ingresses": [render_entry(e) for e in acl.get("IngressEntries") or [] if not is_default_entry(e)],
        "egresses": [render_entry(e) for e in acl.get("EgressEntries") or [] if not is_default_entry(e)],
    }


def _update_acl(cfg: ProviderConfig, acl_id: str, olds: dict[str, Any], news: dict[str, Any]) -> None:
    if (olds.get("name") or "") != (news.get("name") or ""):
        cfg.call("vpc", "ModifyNetworkAclAttribute", {"NetworkAclId": acl_id, "NetworkAclName": news["name"]})
    entry_set: dict[str, Any] = {}
    for key, direction in (("ingresses", "Ingress"), ("egresses", "Egress")):
        if (olds.get(key) or []) == (news.get(key) or []):
            continue
        wanted = news.get(key) or []
        entry_set[direction] = (
            [parse_entry(t) for t in wanted]
            if wanted
            else [{"Protocol": "all", "CidrBlock": "0.0.0.0/0", "Action": "DROP", "Description": ""}]
        )
    if entry_set:
        retry_write(
            lambda: cfg.call(
                "vpc", "ModifyNetworkAclEntries", {"NetworkAclId": acl_id, "NetworkAclEntrySet": entry_set}
            )
        )


# ---------------------------------------------------------------- dispatch


def create(cfg: ProviderConfig, type_: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if type_ == GROUP_RULE:
        return _create_rule(cfg, inputs)
    raise ProviderError("tcremedy only adopts network ACLs (import); creating one is not served")


def read(cfg: ProviderConfig, type_: str, rid: str, state: dict[str, Any]) -> dict[str, Any] | None:
    return _read_rule(cfg, rid, state) if type_ == GROUP_RULE else _read_acl(cfg, rid)


def update(
    cfg: ProviderConfig, type_: str, rid: str, olds: dict[str, Any], news: dict[str, Any]
) -> dict[str, Any]:
    if type_ == GROUP_RULE:
        raise ProviderError("security group rules have no Update (every field is ForceNew)")
    _update_acl(cfg, rid, olds, news)
    return _read_acl(cfg, rid) or {}


def delete(cfg: ProviderConfig, type_: str, rid: str, state: dict[str, Any]) -> None:
    if type_ == GROUP_RULE:
        _delete_rule(cfg, rid)
    else:
        raise ProviderError("tcremedy never deletes an adopted network ACL (retain_on_delete)")
