"""The evaluator against a brute-force reference: enumerate every address (and port) of small
random spaces, walk the rules one address at a time, and compare with the evaluator's parts."""

from __future__ import annotations

import ipaddress

from diagnose_builders import state_with
from hypothesis import given, settings
from hypothesis import strategies as st

from tcremedy.cloud.state import NetworkAcl, NetworkAclEntry, SecurityGroup, SecurityGroupRule
from tcremedy.diagnose.model import Access
from tcremedy.diagnose.reachability import acl_verdicts, security_group_verdict

BASE = int(ipaddress.ip_address("10.0.0.0"))
PORT = 3389
FAST = settings(max_examples=100, deadline=None)


def cidrs(min_prefix: int = 28):
    """CIDRs inside 10.0.0.0/28 (16 addresses): small enough to enumerate, dense enough to collide."""
    return st.integers(min_prefix, 32).flatmap(
        lambda p: st.integers(0, (1 << (32 - min_prefix)) // (1 << (32 - p)) - 1).map(
            lambda k: str(ipaddress.ip_network((BASE + k * (1 << (32 - p)), p)))
        )
    )


def address_ranges():
    """Template entries as arbitrary ``a-b`` ranges: boundaries that no CIDR would produce."""
    return st.tuples(st.integers(0, 15), st.integers(0, 15)).map(
        lambda t: f"{ipaddress.ip_address(BASE + min(t))}-{ipaddress.ip_address(BASE + max(t))}"
    )


port_forms = st.sampled_from(
    ["ALL", "all", "", "3389", "3390", "3388,3389", "22,3390", "3000-4000", "3390-3400", "3389-3389", "33x9"]
)
protocols = st.sampled_from(["TCP", "ALL", "UDP", "ICMP"])
actions = st.sampled_from(["ACCEPT", "DROP"])


@st.composite
def sg_rule(draw, index: int):
    kind = draw(
        st.sampled_from(["cidr", "cidr", "cidr", "template", "template_group", "missing_template", "sg"])
    )
    kw: dict = {}
    if kind == "cidr":
        kw["cidr_block"] = draw(cidrs())
    elif kind == "template":
        kw["address_template_id"] = "ipm-1"
    elif kind == "template_group":
        kw["address_template_group_id"] = "ipmg-1"
    elif kind == "missing_template":
        kw["address_template_id"] = "ipm-missing"
    else:
        kw["source_security_group_id"] = "sg-peer"
    return SecurityGroupRule(
        policy_index=index, protocol=draw(protocols), port=draw(port_forms), action=draw(actions), **kw
    )


@st.composite
def scenario(draw):
    n_groups = draw(st.integers(1, 3))
    groups = []
    for g in range(n_groups):
        n = draw(st.integers(0, 4))
        groups.append(SecurityGroup(f"sg-{g}", ingress=tuple(draw(sg_rule(i)) for i in range(n))))
    template = tuple(draw(st.lists(st.one_of(cidrs(), address_ranges()), min_size=1, max_size=2)))
    order = [f"sg-{g}" for g in range(n_groups)]
    if draw(st.booleans()):
        order.append("sg-not-collected")
    return groups, template, order, draw(cidrs())


def port_set(text: str):
    """The reference's own reading of a port string (None = malformed)."""
    if text.strip().upper() in ("", "ALL"):
        return range(0, 65536)
    ports = set()
    for item in text.split(","):
        lo, _, hi = item.partition("-")
        if not lo.strip().isdigit() or (hi and not hi.strip().isdigit()):
            return None
        ports.update(range(int(lo), int(hi or lo) + 1))
    return ports


def rule_matches(r, addr: int, port: int, templates: dict, groups: dict) -> bool | None:
    """True / False / None (cannot know) for one packet, evaluated the slow, obvious way."""
    if r.protocol not in ("TCP", "ALL"):
        return False
    ports = range(0, 65536) if r.protocol == "ALL" else port_set(r.port)
    ip = ipaddress.ip_address(addr)
    if r.source_security_group_id:
        return False
    if r.cidr_block:
        source_ok = ip in ipaddress.ip_network(r.cidr_block)
    else:
        tids = [r.address_template_id] if r.address_template_id else groups.get(r.address_template_group_id)
        if tids is None or any(t not in templates for t in tids):
            source_ok = None
        else:
            source_ok = any(_in_entry(ip, c) for t in tids for c in templates[t])
    if source_ok is False:
        return False
    if ports is None:
        return None
    if port not in ports:
        return False
    return source_ok  # True or None


def _in_entry(ip, entry: str) -> bool:
    if "-" in entry:
        lo, hi = (ipaddress.ip_address(x) for x in entry.split("-"))
        return lo <= ip <= hi
    return ip in ipaddress.ip_network(entry)


def outcomes(rules, addr, port, templates, groups) -> set[str]:
    """Every decision the first-match walk can reach when unknowable rules may or may not match."""
    for i, r in enumerate(rules):
        if r is None:  # a group that was not collected: any outcome from here on
            return {"ACCEPT", "DROP"}
        m = rule_matches(r, addr, port, templates, groups)
        if m is True:
            return {r.action}
        if m is None:
            return {r.action} | outcomes(rules[i + 1 :], addr, port, templates, groups)
    return {"DROP"}


def expected_access(found: set[str]) -> Access:
    if found == {"ACCEPT"}:
        return Access.ALLOW
    if found == {"DROP"}:
        return Access.DENY
    return Access.UNKNOWN


def part_for(verdict, addr: int, port: int):
    ip = ipaddress.ip_address(addr)
    hits = []
    for p in verdict.parts:
        lo, _, hi = p.ports.partition("-")
        if int(lo) <= port <= int(hi or lo) and any(ip in ipaddress.ip_network(c) for c in p.cidrs):
            hits.append(p)
    assert len(hits) == 1, (addr, port, verdict)  # the parts tile the space exactly once
    return hits[0]


@FAST
@given(scenario())
def test_security_groups_match_brute_force(case):
    groups, template, order, source = case
    templates = {"ipm-1": template}
    tgroups = {"ipmg-1": ("ipm-1",)}
    state = state_with(groups=tuple(groups), address_templates=templates, address_template_groups=tgroups)
    verdict = security_group_verdict(state, order, source, PORT)
    by_id = {g.security_group_id: g for g in groups}
    flat = []
    for sg_id in order:
        if sg_id in by_id:
            flat.extend(sorted(by_id[sg_id].ingress, key=lambda r: r.policy_index))
        else:
            flat.append(None)
    net = ipaddress.ip_network(source)
    for addr in range(int(net.network_address), int(net.broadcast_address) + 1):
        found = outcomes(flat, addr, PORT, templates, tgroups)
        part = part_for(verdict, addr, PORT)
        assert part.access is expected_access(found), (ipaddress.ip_address(addr), found, part)
        if part.access is not Access.UNKNOWN and not part.decided_by.is_default:
            assert rule_matches(_rule_of(part.decided_by, by_id), addr, PORT, templates, tgroups) is True


def _rule_of(ref, by_id):
    return next(r for r in by_id[ref.resource_id].ingress if r.policy_index == ref.index)


acl_ports = st.sampled_from(
    ["ALL", "3389", "49152-50000", "50001-65535", "60000", "1-49151", "55000-56000", "49153-65534", "1-49152"]
)


@st.composite
def acl_case(draw):
    def entries():
        return tuple(
            NetworkAclEntry(
                protocol=draw(st.sampled_from(["TCP", "ALL", "UDP"])),
                port=draw(acl_ports),
                action=draw(actions),
                cidr_block=draw(cidrs()),
            )
            for _ in range(draw(st.integers(0, 4)))
        )

    return NetworkAcl("acl-1", ingress=entries(), egress=entries()), draw(cidrs(min_prefix=29))


@FAST
@given(acl_case())
def test_network_acl_matches_brute_force_on_ports_and_addresses(case):
    acl, source = case
    inbound, outbound = acl_verdicts(acl, source, PORT)
    net = ipaddress.ip_network(source)
    # Decisions only change at rule port boundaries, so these ports cover every distinct case.
    edges = {49152, 49153, 65534, 65535, 50000, 50001, 55000, 56000, 54999, 56001, 60000, 59999, 60001}
    for addr in range(int(net.network_address), int(net.broadcast_address) + 1):
        assert part_for(inbound, addr, PORT).access is expected_access(_acl_walk(acl.ingress, addr, PORT))
        for port in sorted(edges):
            got = part_for(outbound, addr, port).access
            assert got is expected_access(_acl_walk(acl.egress, addr, port)), (addr, port)


def _acl_walk(entries, addr, port) -> set[str]:
    ip = ipaddress.ip_address(addr)
    for e in entries:
        ports = range(0, 65536) if e.protocol == "ALL" else port_set(e.port)
        if e.protocol in ("TCP", "ALL") and port in ports and ip in ipaddress.ip_network(e.cidr_block):
            return {e.action}
    return {"DROP"}
