"""``acl_allow_rdp``: the subnet ACL entries that pass RDP in from an admin CIDR and its replies out.

The ACL is stateless: per admin CIDR it does not pass, an inbound ACCEPT TCP/port from it and/or an
outbound ACCEPT TCP 49152-65535 (the RDP clients' ports) to it, on top of that direction's entries;
the ACL's other entries stay as they are. Only ever the ACL the instance's subnet is bound to now.
Keys: ``acl-entry-<acl>-<direction>-<cidr>-tcp-<ports>``.

Provider path: the subnet's ``tencentcloud.vpc.Acl`` ADOPTED with ``import_`` (``protect``,
``retain_on_delete``, name/VPC/tags ignored): only its ``ingresses``/``egresses`` lists are managed,
declared exactly as the provider's Read renders them (``acl_read_text``: each whole entry string
upper-cased, default entries left out) with tcremedy's on top; entries tcremedy made that the policy
no longer wants are left out, every other entry stays.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tcremedy.cloud.acl_defaults import own_entries
from tcremedy.cloud.state import LiveState, NetworkAclEntry
from tcremedy.diagnose.plane import EPHEMERAL_PORTS
from tcremedy.policy.model import Policy
from tcremedy.policy.values import is_public_cidr
from tcremedy.remediate.acl_entries import WantedEntry, declared, identical, provider_cannot_write
from tcremedy.remediate.fixes.base import (
    FIXES,
    Fix,
    FixResource,
    FixStep,
    ProviderProgram,
    StepInput,
    hand_step,
    manual_step,
)
from tcremedy.remediate.fixes.rules import rule_violations, slug
from tcremedy.remediate.limits import Limits
from tcremedy.remediate.rule_match import owned

if TYPE_CHECKING:
    import pulumi

REPLY_PORTS = f"{EPHEMERAL_PORTS[0]}-{EPHEMERAL_PORTS[1]}"  # the RDP clients' ports: the replies go there
# ACL direction -> (the finding's evidence key for its verdicts, the words of the entry's description).
ACL_DIRECTIONS: dict[str, tuple[str, str]] = {
    "ingress": ("inbound", "RDP from"),
    "egress": ("outbound", "RDP replies to"),
}


def acl_port(direction: str, policy_port: int) -> str:
    """The port(s) an ACL entry of ``direction`` must pass: the RDP port in, the replies' ports out."""
    return str(policy_port) if direction == "ingress" else REPLY_PORTS


@FIXES.register
class AclAllowRdp(Fix):
    name = "acl_allow_rdp"
    closes = ("ACL_BLOCKS_RDP",)
    kind = "acl_entry"
    scope = "network_acl"
    provider_type = "tencentcloud:Vpc/acl:Acl"  # adopted: its entry lists change, the ACL never goes
    provider_adopts = True
    dynamic_type = "AclRdpEntry"
    dynamic_provider = "tcremedy.remediate.sdk_acls:AclRdpEntryProvider"
    dynamic_outputs = ("adopted",)
    noun = ("network ACL entry", "network ACL entries")
    verb = "to add"

    def steps(self, given: StepInput) -> list[FixStep]:
        policy, inst, f = given.policy, given.instance, given.finding
        acl = f.evidence.get("network_acl_id")
        if not acl:
            return [hand_step(f, port=policy.rdp.port)]
        subnet = given.state.subnets.get(inst.subnet_id)
        if subnet is None or subnet.network_acl_id != acl:  # only ever the ACL the instance is behind now
            bound = subnet.network_acl_id if subnet is not None else ""
            return [
                manual_step(
                    f,
                    f"The finding names network ACL {acl}, but the instance's subnet is bound to "
                    f"{bound or 'no ACL'} now; re-run `tcremedy plan`.",
                )
            ]
        if f.evidence.get("network_acl_type") == "QUINTUPLE":
            return quintuple_steps(given)
        live = given.state.network_acls.get(acl)
        blocker = provider_cannot_write(live.ingress, live.egress) if live is not None else ""
        if blocker:
            return [
                manual_step(
                    f,
                    f"Network ACL {acl} cannot be rewritten as code: {blocker} would not survive the "
                    f"rewrite. Add an inbound ACCEPT for TCP/{policy.rdp.port} from the admin CIDRs and an "
                    f"outbound ACCEPT for TCP {REPLY_PORTS} to them, above the DROP entries, in the console "
                    "(VPC > Network ACL).",
                )
            ]
        steps = []
        for cidr in dict.fromkeys(policy.rdp.admin_cidrs):
            directions = [d for d in ACL_DIRECTIONS if _not_admitted(f.evidence, d, cidr)]
            if directions and is_public_cidr(cidr) and not policy.rdp.allow_public_rdp:
                steps.append(
                    manual_step(
                        f,
                        f"{cidr} would open RDP to the internet; the policy does not set "
                        "allow_public_rdp, so no ACL entry is made.",
                    )
                )
                continue
            for direction in directions:
                steps.append(self._entry(given, acl, direction, cidr))
        return steps

    def _entry(self, given: StepInput, acl: str, direction: str, cidr: str) -> FixStep:
        port, (_, what) = acl_port(direction, given.policy.rdp.port), ACL_DIRECTIONS[direction]
        params: dict[str, Any] = {
            "network_acl_id": acl,
            "direction": direction,
            "cidr_block": cidr,
            "protocol": "TCP",
            "port": port,
            "action": "ACCEPT",
            "region": given.instance.region,
            "description": f"tcremedy: {what} {cidr}",
        }
        if is_public_cidr(cidr):
            params["allow_public"] = True  # the provider refuses a public CIDR without it
        key = f"acl-entry-{acl}-{direction}-{slug(cidr)}-tcp-{slug(port)}"
        side = f"TCP/{port} from {cidr}" if direction == "ingress" else f"TCP {port} to {cidr} (RDP replies)"
        return self.auto(
            given,
            FixResource(self.kind, key, self.name, "", params),
            f"Insert ACCEPT {side} at the top of network ACL {acl}'s {direction} entries, "
            "above what drops it (the ACL is stateless); its other entries stay as they are.",
        )

    def still_wanted(self, res: FixResource, policy: Policy, state: LiveState) -> bool:
        cidr, direction = res.params.get("cidr_block"), str(res.params.get("direction"))
        return (
            cidr in policy.rdp.admin_cidrs
            and (not is_public_cidr(cidr) or policy.rdp.allow_public_rdp)
            and direction in ACL_DIRECTIONS
            and res.params.get("port") == acl_port(direction, policy.rdp.port)
            and res.params.get("network_acl_id") in state.network_acls
        )

    def violations(self, params: Mapping[str, Any], limits: Limits) -> list[str]:
        direction = params.get("direction")
        if not isinstance(direction, str) or direction not in ACL_DIRECTIONS:  # a plan file's any value
            return [f"direction {direction!r} is not ingress or egress"]
        return rule_violations(params, limits, acl_port(str(direction), limits.port))

    def provider_group(
        self, program: ProviderProgram, group_id: str, resources: Sequence[FixResource]
    ) -> list[pulumi.Resource]:
        import pulumi
        import tencentcloud_iac_pulumi as tencentcloud

        acl = program.state.network_acls[group_id]
        lists: dict[str, list[str]] = {}
        for direction, live in (("ingress", acl.ingress), ("egress", acl.egress)):
            wanted = [  # Read upper-cases descriptions: ownership ignores case
                WantedEntry.from_params(
                    {**r.params, "description": str(r.params.get("description", "")).upper()}
                )
                for r in sorted(resources, key=lambda r: r.key)
                if r.params["direction"] == direction
            ]
            kept = [  # the ACL's own entries: Read leaves out the default rules listed after them
                e
                for e in own_entries(live)
                if not owned(e.description) or any(identical(e, w) for w in wanted)
            ]
            lists[direction] = [acl_read_text(e) for e in declared(kept, wanted) if not read_drops(e)]
        adopted = tencentcloud.vpc.Acl(
            f"network-acl-{group_id}",
            vpc_id=acl.vpc_id,
            name=acl.name,
            ingresses=lists["ingress"],
            egresses=lists["egress"],
            opts=pulumi.ResourceOptions(
                import_=group_id,
                protect=True,
                retain_on_delete=True,
                ignore_changes=["vpc_id", "name", "tags"],
            ),
        )
        return [adopted]


def read_drops(entry: NetworkAclEntry) -> bool:
    """The provider's Read leaves out what ``CheckIfDefaultRule`` calls default (vpc/resource_tc_vpc_acl.go
    ~l.406-421): all/0.0.0.0/0/DROP and all/::/0/ACCEPT (the API's "all"/"Drop"/"Accept", here
    upper-cased by collection) -- an admin's explicit deny-all too."""
    everything = entry.protocol.upper() == "ALL"
    ipv4_drop = entry.cidr_block == "0.0.0.0/0" and entry.action.upper() == "DROP"
    ipv6_accept = entry.ipv6_cidr_block == "::/0" and entry.action.upper() == "ACCEPT"
    return everything and (ipv4_drop or ipv6_accept)


def acl_read_text(entry: NetworkAclEntry) -> str:
    """The entry exactly as the provider's Read renders it (resource_tc_vpc_acl.go ~l.160-270):
    ``ACTION#CIDR#PORT#PROTOCOL[#DESCRIPTION]``, an empty port as ALL, the whole string upper-cased.
    Entries it cannot round-trip (IPv6: Read gives an empty CIDR; a '#' in the description) are
    manual steps (``tcremedy.remediate.acl_entries.provider_cannot_write``), never declared."""
    if entry.ipv6_cidr_block or "#" in entry.description:
        raise ValueError(f"ACL entry {entry} cannot be written through the provider's entry format")
    fields = [entry.action, entry.cidr_block, entry.port or "ALL", entry.protocol]
    if entry.description:
        fields.append(entry.description)
    return "#".join(fields).upper()


def _network(text: str) -> Any:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return text


def _not_admitted(evidence: Mapping[str, Any], direction: str, cidr: str) -> bool:
    """The finding's verdict for ``cidr`` in ``direction`` is not "all admitted" (or is missing)."""
    wanted = _network(cidr)
    for verdict in evidence.get(ACL_DIRECTIONS[direction][0]) or []:
        if _network(str(verdict.get("source", ""))) == wanted:
            return verdict.get("coverage") != "all"
    return True


def quintuple_steps(given: StepInput) -> list[FixStep]:
    """A QUINTUPLE ACL is repaired by hand: the exact CreateNetworkAclQuintupleEntries entries to add.

    Its rules live apart from the TRIPLE entry lists the acl_allow_rdp fix edits (SDK ``NetworkAcl``:
    Ingress/EgressEntries "该参数仅对三元组ACL有效"); Priority 1, 2... puts them above what drops the
    traffic. Written as ``Direction: Name=value ...`` per entry (members of NetworkAclQuintupleEntry).
    """
    policy, inst, f = given.policy, given.instance, given.finding
    acl, port = f.evidence["network_acl_id"], policy.rdp.port
    targets = [ip for ip in inst.private_ip_addresses if ":" not in ip][:1]
    me = f"{targets[0]}/32" if targets else ""
    entries: dict[str, list[dict[str, str]]] = {"Ingress": [], "Egress": []}
    for cidr in dict.fromkeys(policy.rdp.admin_cidrs):
        if is_public_cidr(cidr) and not policy.rdp.allow_public_rdp:
            continue
        v6 = ":" in cidr
        if _not_admitted(f.evidence, "ingress", cidr):
            entry = {"Protocol": "TCP", ("SourceIPv6Cidr" if v6 else "SourceCidr"): cidr, "SourcePort": "ALL"}
            entry.update({"DestinationCidr": me} if me and not v6 else {})
            entries["Ingress"].append({**entry, "DestinationPort": str(port), "Action": "ACCEPT"})
        if _not_admitted(f.evidence, "egress", cidr):
            entry = {"Protocol": "TCP", **({"SourceCidr": me} if me and not v6 else {})}
            entry["SourcePort"] = str(port)
            entry[("DestinationIPv6Cidr" if v6 else "DestinationCidr")] = cidr
            entries["Egress"].append({**entry, "DestinationPort": REPLY_PORTS, "Action": "ACCEPT"})
    lines = [
        f"{side}: Priority={n} " + " ".join(f"{k}={v}" for k, v in entry.items())
        for side, listed in entries.items()
        for n, entry in enumerate(listed, start=1)
    ]
    if not lines:
        return []
    return [
        manual_step(
            f,
            f"Network ACL {acl} is a QUINTUPLE ACL, which tcremedy does not change as code. Add these "
            f"entries with CreateNetworkAclQuintupleEntries (NetworkAclId={acl}) or in the console "
            f"(Network ACL > quintuple rules): " + "; ".join(lines),
        )
    ]
