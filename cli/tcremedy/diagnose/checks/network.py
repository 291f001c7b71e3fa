"""Checks on the network path from the admin CIDRs: public IP, security groups, subnet ACL."""

from __future__ import annotations

from typing import Any

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.checks.base import CHECKS, Check, unique, verdicts_data
from tcremedy.diagnose.context import Context
from tcremedy.diagnose.findings import Finding, Severity
from tcremedy.diagnose.model import Access
from tcremedy.diagnose.readings import gap_reason, gap_text, gaps_for
from tcremedy.policy.model import Policy


@CHECKS.register("NO_PUBLIC_IP")
class NoPublicIp(Check):
    """The instance needs a public IPv4 address (or an EIP) to be reached from the admin CIDRs."""

    severity = Severity.CRITICAL

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        if instance.public_ip_addresses:
            return []
        return [
            self.fail(
                instance,
                "Instance has no public IP address; bind an EIP (manual)",
                {"public_ip_addresses": [], "private_ip_addresses": list(instance.private_ip_addresses)},
            )
        ]


@CHECKS.register("SG_BLOCKS_RDP")
class SgBlocksRdp(Check):
    """Every address of every admin CIDR must be admitted to TCP/port by the bound security groups."""

    severity = Severity.CRITICAL
    fix = "sg_allow_rdp"

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        return self.assess(policy, instance, Context(state))

    def assess(self, policy: Policy, instance: Instance, ctx: Context) -> list[Finding]:
        port, state = policy.rdp.port, ctx.state
        verdicts = list(ctx.sg_verdicts(instance.security_group_ids, policy.rdp.admin_cidrs, port))
        denied = [(v, p) for v in verdicts for p in v.parts if p.access is Access.DENY]
        unknown = [(v, p) for v in verdicts for p in v.parts if p.access is Access.UNKNOWN]
        if not denied and not unknown:
            return []
        evidence: dict[str, Any] = {
            "port": port,
            "security_group_ids": list(instance.security_group_ids),
            "not_admitted": [c for _, p in denied for c in p.cidrs],
            "unknown_cidrs": [c for _, p in unknown for c in p.cidrs],
            "deciding_rules": unique(p.decided_by.text for _, p in denied),
            "verdicts": verdicts_data(verdicts),
        }
        if denied:
            first = denied[0][1]
            same = [c for _, p in denied if p.decided_by.text == first.decided_by.text for c in p.cidrs]
            others = len(evidence["not_admitted"]) - len(same)
            more = f"; {others} more range(s) denied by other rules" if others else ""
            return [
                self.fail(
                    instance,
                    f"TCP/{port} from {', '.join(same)} is denied: {first.decided_by.text}{more}",
                    evidence,
                )
            ]
        gaps = [g for sg in instance.security_group_ids for g in gaps_for(state, "security_group", sg)]
        causes = unique(u.text for _, p in unknown for u in p.uncertain_because)
        reason = gap_text(gaps) or "unresolvable rule(s): " + "; ".join(causes)
        return [self.unknown(instance, reason, **evidence)]


@CHECKS.register("ACL_BLOCKS_RDP")
class AclBlocksRdp(Check):
    """The subnet ACL must pass TCP/port in from the admin CIDRs AND the replies out to 49152-65535."""

    severity = Severity.CRITICAL
    fix = "acl_allow_rdp"

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        return self.assess(policy, instance, Context(state))

    def assess(self, policy: Policy, instance: Instance, ctx: Context) -> list[Finding]:
        port, state = policy.rdp.port, ctx.state
        if not instance.subnet_id:
            return []  # not in a VPC subnet: no ACL applies
        subnet = state.subnets.get(instance.subnet_id)
        if subnet is None:
            reason = gap_reason(
                state, "subnet", instance.subnet_id, f"subnet {instance.subnet_id} was not collected"
            )
            return [self.unknown(instance, reason, subnet_id=instance.subnet_id)]
        acl_id = subnet.network_acl_id
        acl = state.network_acls.get(acl_id) if acl_id else None
        if acl_id and acl is None:
            reason = gap_reason(state, "network_acl", acl_id, f"network ACL {acl_id} was not collected")
            return [self.unknown(instance, reason, network_acl_id=acl_id)]
        pairs = ctx.acl_verdicts(acl, policy.rdp.admin_cidrs, port, instance.private_ip_addresses)
        inbound, outbound = [p[0] for p in pairs], [p[1] for p in pairs]
        if all(p.access is Access.ALLOW for vs in (inbound, outbound) for v in vs for p in v.parts):
            return []
        evidence: dict[str, Any] = {
            "network_acl_id": acl_id,
            "network_acl_type": acl.acl_type if acl else "",
            "subnet_id": subnet.subnet_id,
            "port": port,
            "inbound": verdicts_data(inbound),
            "outbound": verdicts_data(outbound),
        }
        blocked = [
            (d, p)
            for d, vs in (("inbound", inbound), ("outbound", outbound))
            for v in vs
            for p in v.parts
            if p.access is Access.DENY
        ]
        if blocked:
            evidence["blocked"] = [
                {"direction": d, "cidrs": list(p.cidrs), "ports": p.ports, "rule": p.decided_by.text}
                for d, p in blocked
            ]
            d, p = blocked[0]
            what = (
                f"inbound TCP/{port} from {', '.join(p.cidrs)}"
                if d == "inbound"
                else f"return traffic TCP to {', '.join(p.cidrs)} ports {p.ports}"
            )
            return [self.fail(instance, f"Network ACL {acl_id} drops {what}: {p.decided_by.text}", evidence)]
        unknown = [p for vs in (inbound, outbound) for v in vs for p in v.parts if p.access is Access.UNKNOWN]
        if unknown:
            causes = unique(u.text for p in unknown for u in p.uncertain_because)
            return [self.unknown(instance, "unresolvable ACL entr(y/ies): " + "; ".join(causes), **evidence)]
        return []
