"""``sg_allow_rdp``: the security-group rule that admits an admin CIDR on the RDP port.

The planner's security-group logic lives here, in one place: which admin CIDRs need a rule (the
finding's ``not_admitted``, else every admin CIDR not verified as admitted), and the rule: ACCEPT
TCP/port from exactly that CIDR, inserted at the top (index 0) of the first group bound to the
instance so no DROP above it shadows it. ``0.0.0.0/0`` / ``::/0`` only with ``allow_public_rdp``.
Resource keys are stable (``sg-rule-<sg>-<cidr>-tcp-<port>``): planned twice = one Pulumi resource.

Provider path: a ``tencentcloud.security.GroupRule`` at ``policy_index`` 0 (above any DROP) for
exactly the policy's CIDR and port. Every field is ForceNew and the provider's Read matches the rule
by fields, never by position, so a DROP added later above it is no drift to the provider: the rule's
``trigger`` (a new one each time diagnosis sees the rule blocked) replaces it, deleting first
(``delete_before_replace``: the API refuses a duplicate).
"""

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tcremedy.cloud.state import LiveState, SecurityGroupRule
from tcremedy.policy.model import Policy
from tcremedy.policy.values import is_public_cidr
from tcremedy.remediate.fixes.base import (
    FIXES,
    Fix,
    FixResource,
    FixStep,
    ProviderProgram,
    StepInput,
    manual_step,
)
from tcremedy.remediate.fixes.rules import rule_violations, slug
from tcremedy.remediate.limits import Limits, whole
from tcremedy.remediate.rule_match import live_rule_drops, owned, port_range, state_templates

if TYPE_CHECKING:
    import pulumi

ADOPTED_TRIGGER = "adopted"  # the replacement trigger of a rule adopted under a DROP, until moved
V1_82_42_IPV4_ONLY = (
    "pulumi-tencentcloud's security-group rule (v1.82.42) sends its source only as the IPv4 CidrBlock"
)


@FIXES.register
class SgAllowRdp(Fix):
    name = "sg_allow_rdp"
    closes = ("SG_BLOCKS_RDP",)
    kind = "sg_rule"
    scope = "security_group"
    provider_type = "tencentcloud:Security/groupRule:GroupRule"
    dynamic_type = "SecurityGroupIngressRule"
    dynamic_provider = "tcremedy.remediate.sdk_rules:SecurityGroupIngressRuleProvider"
    dynamic_outputs = ("adopted",)
    noun = ("security-group rule", "security-group rules")
    verb = "to add"

    def steps(self, given: StepInput) -> list[FixStep]:
        policy, inst, f = given.policy, given.instance, given.finding
        port = policy.rdp.port
        if not inst.security_group_ids:
            return [
                manual_step(f, "The instance has no security group; bind one that admits the admin CIDRs.")
            ]
        group = inst.security_group_ids[0]
        steps = []
        for cidr in missing_cidrs(policy, f.evidence):
            if is_public_cidr(cidr) and not policy.rdp.allow_public_rdp:
                steps.append(
                    manual_step(
                        f,
                        f"{cidr} would open RDP to the internet; the policy does not set "
                        "allow_public_rdp, so no rule is made.",
                    )
                )
                continue
            params: dict[str, Any] = {
                "security_group_id": group,
                "cidr_block": cidr,
                "protocol": "TCP",
                "port": str(port),
                "action": "ACCEPT",
                "policy_index": 0,
                "region": inst.region,
                "description": f"tcremedy: RDP from {cidr}",
                "trigger": given.trigger,  # new each time seen blocked: the provider path re-inserts it
            }
            if is_public_cidr(cidr):
                params["allow_public"] = True  # the provider refuses a public CIDR without it
            res = FixResource(self.kind, f"sg-rule-{group}-{slug(cidr)}-tcp-{port}", self.name, "", params)
            text = (
                f"Insert ACCEPT TCP/{port} from {cidr} at the top (index 0) of {group}, the first "
                "group bound to the instance, so it is matched before any DROP."
            )
            if _ipv6(cidr):
                text += f" On the provider path it is a manual step: {V1_82_42_IPV4_ONLY}."
            steps.append(self.auto(given, res, text))
        return steps

    def provider_manual(self, step: FixStep) -> str:
        """An IPv6 source: pulumi-tencentcloud v1.82.42's ``tencentcloud_security_group_rule`` sends
        ``cidr_ip`` only as ``CidrBlock`` (services/vpc/resource_tc_security_group_rule.go ~l.41-52,
        201, 326; service_tencentcloud_vpc.go ``policy.CidrBlock = info.CidrIp``), where the API
        refuses an IPv6 range (InvalidParameterValue.Malformed; SDK ``SecurityGroupPolicy``: IPv6 goes in
        ``Ipv6CidrBlock``). Its only security-group resource with ``ipv6_cidr_block``,
        ``tencentcloud_security_group_rule_set`` (resource_tc_security_group_rule_set.go), owns every
        rule of the group, which tcremedy never takes over. So the exact rule to add by hand; the
        sdk-dynamic path writes it as code."""
        p = step.parameters
        if not _ipv6(str(p.get("cidr_block", ""))):
            return ""
        return (
            f"{V1_82_42_IPV4_ONLY}. Add this rule by hand, at the top of the group: "
            f"CreateSecurityGroupPolicies SecurityGroupId={p['security_group_id']} Ingress: PolicyIndex=0 "
            f"Protocol={p['protocol']} Port={p['port']} Ipv6CidrBlock={p['cidr_block']} Action={p['action']} "
            f"PolicyDescription='{p.get('description', '')}' (or in the console: Security Group > Inbound "
            "rules, at the top; or apply with --path sdk-dynamic)."
        )

    def still_wanted(self, res: FixResource, policy: Policy, state: LiveState) -> bool:
        cidr = res.params.get("cidr_block")
        public_ok = not is_public_cidr(cidr) or policy.rdp.allow_public_rdp
        return (
            cidr in policy.rdp.admin_cidrs
            and public_ok
            and res.params.get("port") == str(policy.rdp.port)
            and res.params.get("security_group_id") in state.security_groups
        )

    def violations(self, params: Mapping[str, Any], limits: Limits) -> list[str]:
        found = rule_violations(params, limits, str(limits.port))
        if whole(params.get("policy_index", 0)) != 0:
            found.append("the rule is not inserted at the top (policy_index 0)")
        return found

    def provider_resource(
        self, program: ProviderProgram, res: FixResource, depends_on: Sequence[pulumi.Resource]
    ) -> pulumi.Resource:
        import pulumi
        import tencentcloud_iac_pulumi as tencentcloud

        p = res.params
        live, shadowed = live_rule(program.state, p)
        opts: dict[str, Any] = {
            "depends_on": list(depends_on),
            "delete_before_replace": True,  # every field is ForceNew and the API refuses a duplicate
            "replacement_trigger": str(p.get("trigger", "")),
        }
        recorded = program.in_state.get(res.key) or {}
        if (
            live is not None
            and not shadowed
            and recorded.get("ipProtocol") == "ALL" != str(p["protocol"]).upper()
        ):
            opts["ignore_changes"] = ["ip_protocol"]  # adopted by import (see below): nothing to move
        if live is not None and res.key not in program.in_state:
            # The rule is there but not in the stack (the admin's, or ours from a run killed before it
            # saved): creating it again would be refused as a duplicate, so it is adopted as it is.
            opts["import_"] = group_rule_id(p, live.description)
            # Read keeps ip_protocol as declared and so gives "ALL" on an import (no declaration yet):
            # ignored for the import only; the next declaration sets it (a replace, wanted when moving).
            opts["ignore_changes"] = ["ip_protocol"]
            opts["replacement_trigger"] = ADOPTED_TRIGGER if shadowed else opts["replacement_trigger"]
            if shadowed:
                program.adopting.append(res.key)
        if live is not None and not owned(live.description) and not shadowed:
            opts["retain_on_delete"] = True  # the admin's rule: removing the fix only forgets it
        return tencentcloud.security.GroupRule(
            res.key,
            security_group_id=p["security_group_id"],
            type="ingress",
            cidr_ip=p["cidr_block"],
            ip_protocol=p["protocol"],
            port_range=str(p["port"]),
            policy=p["action"],
            policy_index=int(p.get("policy_index", 0)),
            description=live.description if live is not None else p.get("description"),
            opts=pulumi.ResourceOptions(**opts),
        )


def live_rule(state: LiveState, p: Mapping[str, Any]) -> tuple[SecurityGroupRule | None, bool]:
    """The group's rule with exactly these fields (the provider's Read would find it), and whether a
    DROP above it shadows it."""
    group = state.security_groups.get(p["security_group_id"])
    rules = list(group.ingress) if group is not None else []
    for i, rule in enumerate(rules):
        if (
            rule.protocol.upper() == str(p["protocol"]).upper()
            and rule.port == str(p["port"])
            and rule.cidr_block == p["cidr_block"]
            and rule.action.upper() == str(p["action"]).upper()
        ):
            templates = state_templates(state)  # a DROP written with templates shadows too
            ports = port_range(str(p["port"]))
            shadowed = any(live_rule_drops(r, p["cidr_block"], ports, templates) for r in rules[:i])
            return rule, shadowed
    return None, False


def group_rule_id(p: Mapping[str, Any], description: str) -> str:
    """The provider's ID of a security group rule (``buildSecurityGroupRuleId``,
    vpc/service_tencentcloud_vpc.go): base64 of the JSON of its fields, in the struct's order."""
    info = {
        "sg_id": p["security_group_id"],
        "policy_type": "ingress",
        "cidr_ip": p["cidr_block"],
        "protocol": p["protocol"],
        "port_range": str(p["port"]),
        "action": p["action"],
        "source_sg_id": "",
        "description": description,
    }
    return base64.b64encode(json.dumps(info, separators=(",", ":")).encode()).decode()


def missing_cidrs(policy: Policy, evidence: Mapping[str, Any]) -> list[str]:
    """Every admin CIDR the groups do not admit in full: denied, partly admitted or unknown.

    Judged per admin CIDR from its verdict (``coverage`` "all" or not), so a range admitted only in
    part (203.0.113.0/24 behind an ACCEPT of its /25) gets its whole-CIDR rule in the same apply as a
    range not admitted at all; ``not_admitted`` lists the denied pieces, which need not equal an
    admin CIDR. Without verdicts, every admin CIDR holding a denied piece; failing that, all of them.
    """
    admin = list(dict.fromkeys(policy.rdp.admin_cidrs))
    verdicts = evidence.get("verdicts") or []
    if verdicts:
        coverage = {_network(str(v.get("source", ""))): v.get("coverage") for v in verdicts}
        return [c for c in admin if coverage.get(_network(c)) != "all"]
    denied = [_network(str(c)) for c in evidence.get("not_admitted") or []]
    hit = [c for c in admin if any(_within(d, _network(c)) for d in denied)]
    return hit or admin


def _ipv6(cidr: str) -> bool:
    return isinstance(_network(cidr), ipaddress.IPv6Network)


def _network(text: str) -> Any:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return text


def _within(piece: Any, cidr: Any) -> bool:
    try:
        return bool(piece.version == cidr.version and piece.subnet_of(cidr))
    except AttributeError:  # text that is not a network
        return piece == cidr
