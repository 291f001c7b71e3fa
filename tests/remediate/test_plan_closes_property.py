"""One apply closes every network finding it proposes to fix (issue 9, item 6).

For random security-group and ACL rule sets: diagnose, plan, apply the planned rules to the rule set
the way the fixes do (an ACCEPT at index 0 of the first group; ACL entries on top of their direction),
diagnose again: neither SG_BLOCKS_RDP nor ACL_BLOCKS_RDP may remain. Includes the reported case: a
group admitting only 203.0.113.0/25 of 203.0.113.0/24 next to a 198.51.100.10/32 not admitted at all.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tcremedy.cloud.state import (
    Instance,
    LiveState,
    NetworkAcl,
    NetworkAclEntry,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from tcremedy.diagnose.engine import diagnose
from tcremedy.policy.model import Policy, RdpAccess
from tcremedy.remediate.planner import plan_fixes

ADMIN = ("203.0.113.0/24", "198.51.100.10/32")
POLICY = Policy(name="p", rdp=RdpAccess(port=3389, admin_cidrs=ADMIN))
NETWORK = ("SG_BLOCKS_RDP", "ACL_BLOCKS_RDP")
pieces = st.sampled_from(
    [
        "203.0.113.0/24",
        "203.0.113.0/25",
        "203.0.113.128/25",
        "203.0.113.7/32",
        "198.51.100.10/32",
        "198.51.100.0/24",
        "0.0.0.0/0",
        "192.0.2.0/24",
    ]
)
ports = st.sampled_from(["3389", "ALL", "3000-4000", "3390", "22,3389"])
acl_ports = st.sampled_from(["3389", "ALL", "49152-65535", "49152-60000", "80"])


@st.composite
def sg_rules(draw) -> tuple[SecurityGroupRule, ...]:
    n = draw(st.integers(0, 4))
    return tuple(
        SecurityGroupRule(
            i,
            draw(st.sampled_from(["TCP", "TCP", "ALL", "UDP"])),
            draw(ports),
            draw(st.sampled_from(["ACCEPT", "DROP"])),
            cidr_block=draw(pieces),
        )
        for i in range(n)
    )


@st.composite
def acl_entries(draw) -> tuple[NetworkAclEntry, ...]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        protocol = draw(st.sampled_from(["TCP", "ALL"]))
        port = draw(acl_ports) if protocol == "TCP" else ""  # the API takes no port with ALL
        out.append(
            NetworkAclEntry(
                protocol, port, draw(st.sampled_from(["ACCEPT", "DROP"])), cidr_block=draw(pieces)
            )
        )
    return tuple(out)


def world(groups: list[tuple[SecurityGroupRule, ...]], acl: NetworkAcl | None) -> LiveState:
    ids = tuple(f"sg-{n}" for n in range(len(groups)))
    inst = Instance(
        "ins-1",
        "ap-guangzhou",
        os_name="Windows Server 2019 Datacenter",
        platform="WINDOWS",
        state="RUNNING",
        internet_max_bandwidth_out=10,
        public_ip_addresses=("81.0.0.1",),
        private_ip_addresses=("10.0.1.5",),
        subnet_id="subnet-1",
        security_group_ids=ids,
        internet_charge_type="TRAFFIC_POSTPAID_BY_HOUR",
    )
    return LiveState(
        "ap-guangzhou",
        "2026-01-01T00:00:00+00:00",
        instances={"ins-1": inst},
        security_groups={i: SecurityGroup(i, ingress=g) for i, g in zip(ids, groups, strict=True)},
        subnets={"subnet-1": Subnet("subnet-1", network_acl_id=acl.network_acl_id if acl else "")},
        network_acls={acl.network_acl_id: acl} if acl else {},
    )


def network_failures(state: LiveState) -> list[str]:
    [diag] = diagnose(POLICY, state).instances
    return [f.code for f in diag.findings if f.code in NETWORK and f.status.value == "fail"]


def applied(state: LiveState) -> tuple[LiveState, set[str]]:
    """The state after the plan's automatic steps, and the codes the plan hands to a human."""
    plan = plan_fixes(POLICY, state, diagnose(POLICY, state))
    groups, acls = dict(state.security_groups), dict(state.network_acls)
    for step in plan.automatic:
        p = step.resource.params
        if step.resource.kind == "sg_rule":
            group = groups[p["security_group_id"]]
            top = SecurityGroupRule(0, p["protocol"], p["port"], p["action"], cidr_block=p["cidr_block"])
            rest = tuple(replace(r, policy_index=r.policy_index + 1) for r in group.ingress)
            groups[group.security_group_id] = replace(group, ingress=(top, *rest))
        elif step.resource.kind == "acl_entry":
            acl = acls[p["network_acl_id"]]
            entry = NetworkAclEntry(p["protocol"], p["port"], p["action"], cidr_block=p["cidr_block"])
            side = "ingress" if p["direction"] == "ingress" else "egress"
            acls[acl.network_acl_id] = replace(acl, **{side: (entry, *getattr(acl, side))})
    manual = {s.finding_code for s in plan.steps if not s.automatic}
    return replace(state, security_groups=groups, network_acls=acls), manual


def test_the_reported_case_closes_in_one_apply() -> None:
    half = SecurityGroupRule(0, "TCP", "3389", "ACCEPT", cidr_block="203.0.113.0/25")
    state = world([(half,)], None)
    assert network_failures(state) == ["SG_BLOCKS_RDP"]
    assert network_failures(applied(state)[0]) == []
    then_drop = (half, SecurityGroupRule(1, "ALL", "ALL", "DROP", cidr_block="0.0.0.0/0"))
    assert network_failures(applied(world([then_drop], None))[0]) == []


@settings(max_examples=150, deadline=None)  # about 15 s on 2 shared cores
@given(
    st.lists(sg_rules(), min_size=1, max_size=2),
    st.one_of(st.none(), st.tuples(acl_entries(), acl_entries())),
)
def test_applying_the_plan_makes_the_network_compliant(groups, acl_sets) -> None:
    acl = NetworkAcl("acl-1", ingress=acl_sets[0], egress=acl_sets[1]) if acl_sets else None
    after, manual = applied(world(groups, acl))
    assert [
        c for c in network_failures(after) if c not in manual
    ] == []  # automatic steps close their finding
