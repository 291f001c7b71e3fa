"""The fix planner (pure): findings + policy + live state -> fix steps and program resources."""

from __future__ import annotations

from dataclasses import replace

from tcremedy.cloud.state import (
    Instance,
    LiveState,
    NetworkAcl,
    NetworkAclEntry,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from tcremedy.diagnose.checks import CHECKS
from tcremedy.diagnose.engine import diagnose
from tcremedy.diagnose.findings import Finding, Severity, Status
from tcremedy.diagnose.model import FleetDiagnosis, FleetSummary, InstanceDiagnosis
from tcremedy.policy.model import Fixes, Policy, RdpAccess
from tcremedy.remediate.planner import BANDWIDTH_CAP_MBPS, FixResource, plan_fixes, program_resources

ADMIN = ("203.0.113.0/24", "198.51.100.10/32")
POLICY = Policy(name="windows-rdp", rdp=RdpAccess(port=3389, admin_cidrs=ADMIN))
IID = "ins-aaaa1111"
INST = Instance(
    instance_id=IID,
    region="ap-guangzhou",
    state="RUNNING",
    internet_max_bandwidth_out=10,
    security_group_ids=("sg-first", "sg-second"),
    internet_charge_type="TRAFFIC_POSTPAID_BY_HOUR",
)
STATE = LiveState(
    region="ap-guangzhou",
    collected_at="2026-01-01T00:00:00+00:00",
    instances={IID: INST},
    security_groups={"sg-first": SecurityGroup("sg-first"), "sg-second": SecurityGroup("sg-second")},
)


def _fleet(*findings: Finding, iid: str = IID) -> FleetDiagnosis:
    diag = InstanceDiagnosis(
        iid, "win", "ap-guangzhou", findings[0] if findings else None, findings, not findings
    )
    return FleetDiagnosis("windows-rdp", "ap-guangzhou", (diag,), 0, FleetSummary(1, 0, 1, 0))


def _finding(code: str, **evidence) -> Finding:
    """A FAIL finding with the fix its check chooses (the planner follows the check)."""
    fix = CHECKS.get(code).fix
    return Finding(code, IID, Severity.CRITICAL, f"{code} message", evidence=evidence, fix=fix)


def test_sg_fix_opens_exactly_each_missing_admin_cidr_in_the_first_group_at_index_0():
    plan = plan_fixes(POLICY, STATE, _fleet(_finding("SG_BLOCKS_RDP", port=3389, not_admitted=list(ADMIN))))
    rules = [s.resource for s in plan.automatic]
    assert [r.params["cidr_block"] for r in rules] == list(ADMIN)
    for r in rules:
        assert r.kind == "sg_rule" and r.params["security_group_id"] == "sg-first"
        assert (r.params["policy_index"], r.params["port"], r.params["protocol"], r.params["action"]) == (
            0,
            "3389",
            "TCP",
            "ACCEPT",
        )


def test_sg_fix_never_opens_a_cidr_outside_the_policy_nor_the_internet():
    evidence = {"not_admitted": ["0.0.0.0/0", "192.0.2.0/24", "203.0.113.0/24"]}
    plan = plan_fixes(POLICY, STATE, _fleet(_finding("SG_BLOCKS_RDP", **evidence)))
    cidrs = {s.resource.params["cidr_block"] for s in plan.automatic}
    assert cidrs == {"203.0.113.0/24"}
    public = replace(POLICY, rdp=RdpAccess(port=3389, admin_cidrs=("0.0.0.0/0",), allow_public_rdp=False))
    plan = plan_fixes(public, STATE, _fleet(_finding("SG_BLOCKS_RDP", not_admitted=["0.0.0.0/0"])))
    assert not plan.automatic and "allow_public_rdp" in plan.manual[0].manual
    allowed = replace(public, rdp=replace(public.rdp, allow_public_rdp=True))
    plan = plan_fixes(allowed, STATE, _fleet(_finding("SG_BLOCKS_RDP", not_admitted=["0.0.0.0/0"])))
    assert plan.automatic[0].resource.params["allow_public"] is True


def test_a_cidr_tencent_widens_to_the_internet_counts_as_the_internet_everywhere():
    """0.0.0.0/8 in a security group means 0.0.0.0/0: the planner and the provider refuse it alike."""
    from tcremedy.remediate.sdk_common import public_cidr_failures

    wide = replace(POLICY, rdp=RdpAccess(port=3389, admin_cidrs=("0.0.0.0/8",), allow_public_rdp=False))
    plan = plan_fixes(wide, STATE, _fleet(_finding("SG_BLOCKS_RDP", not_admitted=["0.0.0.0/8"])))
    assert not plan.automatic and "allow_public_rdp" in plan.manual[0].manual
    assert public_cidr_failures({"cidr_block": "0.0.0.0/8"})
    assert public_cidr_failures({"cidr_block": "0.0.0.0/8", "allow_public": True}) == []
    assert public_cidr_failures({"cidr_block": "203.0.113.0/24"}) == []


def test_bandwidth_is_raised_to_the_policy_minimum_and_saturation_is_capped():
    zero = replace(STATE, instances={IID: replace(INST, internet_max_bandwidth_out=0)})
    plan = plan_fixes(POLICY, zero, _fleet(_finding("BANDWIDTH_ZERO")))
    assert plan.automatic[0].resource.params["target_mbps"] == POLICY.capacity.min_bandwidth_mbps
    plan = plan_fixes(
        POLICY, STATE, _fleet(_finding("BANDWIDTH_SATURATED", max_mbps=9.8, ceiling_percent=90))
    )
    step = plan.automatic[0]
    assert step.resource.params["target_mbps"] == 20  # peak at the 10 Mbps cap: doubled, > 9.8/0.9
    huge = replace(STATE, instances={IID: replace(INST, internet_max_bandwidth_out=80)})
    plan = plan_fixes(POLICY, huge, _fleet(_finding("BANDWIDTH_SATURATED", max_mbps=80, ceiling_percent=90)))
    assert plan.automatic[0].resource.params["target_mbps"] == BANDWIDTH_CAP_MBPS
    assert "capped" in plan.automatic[0].description


def test_reboot_and_password_only_when_the_policy_allows_and_the_env_var_is_set():
    cpu = _fleet(_finding("CPU_SATURATED", metric="CpuUsage", max=99))
    assert not plan_fixes(POLICY, STATE, cpu).automatic
    assert "VNC" in plan_fixes(POLICY, STATE, cpu).manual[0].manual
    rebooting = replace(
        POLICY, fixes=Fixes(auto=("reboot_instance", "reset_password"), password_env="NEW_PW")
    )
    assert plan_fixes(rebooting, STATE, cpu).automatic[0].resource.kind == "reboot"
    pw = _fleet(_finding("PASSWORD_RESET_FAILED"))
    assert not plan_fixes(rebooting, STATE, pw).automatic  # NEW_PW not set
    assert "NEW_PW" in plan_fixes(rebooting, STATE, pw).manual[0].manual
    step = plan_fixes(rebooting, STATE, pw, available_env=["NEW_PW"]).automatic[0]
    assert step.resource.params["password_env"] == "NEW_PW" and "password" not in step.resource.params


def test_causes_that_are_not_code_become_manual_steps():
    for code in ("INSTANCE_ISOLATED", "NO_PUBLIC_IP", "GUEST_UNREACHABLE", "ACL_BLOCKS_RDP"):
        plan = plan_fixes(POLICY, STATE, _fleet(_finding(code, reason="TAT agent is Offline")))
        assert not plan.automatic and plan.manual[0].fix == "manual" and plan.manual[0].manual


def test_an_unreachable_guest_gets_agent_advice_not_the_generic_unknown_text():
    unreachable = replace(_finding("GUEST_UNREACHABLE", reason="TAT agent is Offline"), status=Status.UNKNOWN)
    (step,) = plan_fixes(POLICY, STATE, _fleet(unreachable)).manual
    assert "TAT agent is Offline" in step.manual and "VNC console" in step.manual
    no_metrics = replace(_finding("CPU_SATURATED", reason="no CpuUsage samples"), status=Status.UNKNOWN)
    (step,) = plan_fixes(POLICY, STATE, _fleet(no_metrics)).manual
    assert step.manual.startswith("A check could not be made: no CpuUsage samples")


def test_guest_fixes_carry_the_policy_port_and_only_filter_applies():
    fleet = _fleet(_finding("GUEST_RDP_PORT_CHANGED", rdp_port=3390), _finding("GUEST_RDP_DISABLED"))
    plan = plan_fixes(POLICY, STATE, fleet)
    scripts = {s.resource.params["script"]: s.resource.params.get("port") for s in plan.automatic}
    assert scripts == {"align-rdp-port": 3389, "enable-rdp": None}
    only = plan_fixes(POLICY, STATE, fleet, only_codes=["GUEST_RDP_DISABLED"])
    assert [s.finding_code for s in only.steps] == ["GUEST_RDP_DISABLED"]
    assert not plan_fixes(POLICY, STATE, fleet, instance_ids=["ins-other"]).steps


def test_fixes_stay_while_the_policy_wants_them_and_go_when_it_does_not():
    rule = FixResource(
        "sg_rule",
        "sg-rule-sg-first-203-0-113-0-24-tcp-3389",
        "sg_allow_rdp",
        "",
        {"security_group_id": "sg-first", "cidr_block": "203.0.113.0/24", "port": "3389"},
    )
    dropped = replace(rule, key="sg-rule-x", params={**rule.params, "cidr_block": "192.0.2.0/24"})
    guest = FixResource(
        "guest_fix", f"guest-enable-rdp-{IID}", "guest_enable_rdp", IID, {"script": "enable-rdp"}
    )
    empty = plan_fixes(POLICY, STATE, _fleet())
    kept = program_resources(empty, [rule, dropped, guest], POLICY, STATE)
    assert [r.key for r in kept] == [f"guest-enable-rdp-{IID}", rule.key]  # CIDR left the policy: removed
    # fixes.auto no longer lists the fix, but the policy still wants the access: held, not removed.
    narrowed = replace(POLICY, fixes=Fixes(auto=("raise_bandwidth",)))
    held = program_resources(empty, [rule, guest], narrowed, STATE)
    assert [(r.key, r.params.get("hold")) for r in held] == [(guest.key, True), (rule.key, True)]
    # Allowed again: managed again (the hold is lifted).
    assert all("hold" not in r.params for r in program_resources(empty, held, POLICY, STATE))


def test_a_scoped_apply_keeps_every_earlier_fix_held_even_out_of_its_view():
    """--instance collects only part of the cloud: fixes on instances and groups it did not read,
    or fixes the policy no longer wants, must not be removed by it (only an unscoped apply may)."""
    other = FixResource(
        "sg_rule",
        "sg-rule-sg-unseen-203-0-113-0-24-tcp-3389",
        "sg_allow_rdp",
        "",
        {"security_group_id": "sg-unseen", "cidr_block": "203.0.113.0/24", "port": "3389"},
    )
    bandwidth = FixResource("bandwidth", "bandwidth-ins-unseen", "raise_bandwidth", "ins-unseen", {})
    empty = plan_fixes(POLICY, STATE, _fleet())
    assert program_resources(empty, [other, bandwidth], POLICY, STATE) == ()  # unscoped: gone
    kept = program_resources(empty, [other, bandwidth], POLICY, STATE, scoped=True)
    assert [(r.key, r.params["hold"]) for r in kept] == [(bandwidth.key, True), (other.key, True)]


# ---------------------------------------------------------------- acl_allow_rdp

ACL_ID = "acl-app"


def _acl_state(ingress, egress, *iids: str) -> LiveState:
    """Instances in one subnet behind ``acl-app``; the security groups admit RDP (only the ACL blocks)."""
    admit = tuple(SecurityGroupRule(i, "TCP", "3389", "ACCEPT", cidr_block=c) for i, c in enumerate(ADMIN))
    instances = {
        iid: replace(
            INST, instance_id=iid, platform="WINDOWS", subnet_id="subnet-app", security_group_ids=("sg-rdp",)
        )
        for iid in iids or (IID,)
    }
    return LiveState(
        region="ap-guangzhou",
        collected_at="2026-01-01T00:00:00+00:00",
        instances=instances,
        security_groups={"sg-rdp": SecurityGroup("sg-rdp", ingress=admit)},
        subnets={"subnet-app": Subnet("subnet-app", network_acl_id=ACL_ID)},
        network_acls={ACL_ID: NetworkAcl(ACL_ID, ingress=tuple(ingress), egress=tuple(egress))},
    )


def _acl_plan(policy: Policy, state: LiveState):
    """The real diagnosis of ``state`` (its ACL_BLOCKS_RDP evidence), planned."""
    return plan_fixes(policy, state, diagnose(policy, state), only_codes=["ACL_BLOCKS_RDP"])


def _e(action: str, port: str, cidr: str, protocol: str = "TCP") -> NetworkAclEntry:
    return NetworkAclEntry(protocol, port, action, cidr_block=cidr)


def test_acl_fix_adds_only_the_missing_entries_for_exactly_each_admin_cidr():
    """The ACL passes 198.51.100.10 in but not its replies, and 203.0.113.0/24's replies but not its
    RDP: exactly the two missing entries are planned, each for exactly that CIDR."""
    state = _acl_state(
        [
            _e("ACCEPT", "3389", "198.51.100.10/32"),
            _e("DROP", "3389", "0.0.0.0/0"),
            _e("ACCEPT", "ALL", "0.0.0.0/0"),
        ],
        [_e("ACCEPT", "49152-65535", "203.0.113.0/24")],
    )
    plan = _acl_plan(POLICY, state)
    entries = {(r.params["direction"], r.params["cidr_block"]): r for r in plan.resources}
    assert sorted(entries) == [("egress", "198.51.100.10/32"), ("ingress", "203.0.113.0/24")]
    inbound, outbound = entries["ingress", "203.0.113.0/24"], entries["egress", "198.51.100.10/32"]
    assert (inbound.params["port"], outbound.params["port"]) == ("3389", "49152-65535")
    for res in (inbound, outbound):
        assert res.kind == "acl_entry" and res.fix == "acl_allow_rdp"
        assert res.params["network_acl_id"] == ACL_ID
        assert (res.params["protocol"], res.params["action"]) == ("TCP", "ACCEPT")
        assert res.params["description"].startswith("tcremedy:") and "allow_public" not in res.params
    assert all(s.auto and s.fix == "acl_allow_rdp" for s in plan.steps)  # a default automatic fix


def test_acl_fix_is_one_resource_per_entry_for_a_whole_subnet_and_nothing_when_the_acl_passes():
    state = _acl_state([_e("DROP", "ALL", "0.0.0.0/0", "ALL")], [], IID, "ins-bbbb2222")
    plan = _acl_plan(POLICY, state)
    assert len(plan.steps) == 8 and len(plan.resources) == 4  # 2 instances x 2 CIDRs x 2 directions
    passing = _acl_state([_e("ACCEPT", "3389", c) for c in ADMIN], [_e("ACCEPT", "ALL", "0.0.0.0/0", "ALL")])
    assert not _acl_plan(POLICY, passing).steps


def test_acl_fix_never_opens_the_internet_without_allow_public_rdp():
    state = _acl_state([], [])
    public = replace(POLICY, rdp=RdpAccess(port=3389, admin_cidrs=("0.0.0.0/0",), allow_public_rdp=False))
    plan = _acl_plan(public, state)
    assert not plan.automatic and "allow_public_rdp" in plan.manual[0].manual
    allowed = replace(public, rdp=replace(public.rdp, allow_public_rdp=True))
    resources = _acl_plan(allowed, state).resources
    assert {r.params["cidr_block"] for r in resources} == {"0.0.0.0/0"}
    assert all(r.params["allow_public"] is True for r in resources)


def test_acl_entries_stay_while_the_policy_wants_them_and_go_when_it_does_not():
    state = _acl_state([], [])
    made = _acl_plan(POLICY, state).resources
    empty = plan_fixes(POLICY, state, _fleet())
    assert program_resources(empty, made, POLICY, state) == tuple(sorted(made, key=lambda r: r.key))
    narrowed = replace(POLICY, rdp=replace(POLICY.rdp, admin_cidrs=("203.0.113.0/24",)))
    kept = program_resources(empty, made, narrowed, state)
    assert {r.params["cidr_block"] for r in kept} == {"203.0.113.0/24"}  # the other CIDR's entries go
    moved = replace(POLICY, rdp=replace(POLICY.rdp, port=3390))
    assert [r.params["direction"] for r in program_resources(empty, made, moved, state)] == ["egress"] * 2
    assert program_resources(empty, made, POLICY, replace(state, network_acls={})) == ()  # the ACL is gone


# ---------------------------------------------------------------- issue 8: what the provider cannot do


def test_bandwidth_on_a_charge_type_the_provider_cannot_adjust_is_a_manual_step_naming_it():
    """pulumi-tencentcloud's Update refuses any charge type but the three it adjusts: a manual step
    on both paths, naming the charge type (an empty one too)."""
    for charge in ("BANDWIDTH_POSTPAID_BY_MONTH", ""):
        inst = replace(INST, internet_max_bandwidth_out=0, internet_charge_type=charge)
        plan = plan_fixes(POLICY, replace(STATE, instances={IID: inst}), _fleet(_finding("BANDWIDTH_ZERO")))
        assert not plan.automatic
        assert (charge or "none reported") in plan.manual[0].manual and "console" in plan.manual[0].manual
    for charge in ("TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR", "BANDWIDTH_PACKAGE"):
        inst = replace(INST, internet_max_bandwidth_out=0, internet_charge_type=charge)
        plan = plan_fixes(POLICY, replace(STATE, instances={IID: inst}), _fleet(_finding("BANDWIDTH_ZERO")))
        assert plan.automatic[0].resource.kind == "bandwidth"


def test_an_acl_with_an_ipv6_entry_is_a_manual_step_never_rewritten():
    """The provider's entry format has one IPv4 CIDR: an IPv6 entry would be lost by the rewrite."""
    v6 = NetworkAclEntry("TCP", "22", "ACCEPT", ipv6_cidr_block="2001:db8::/32", description="ssh v6")
    state = _acl_state([v6, _e("DROP", "ALL", "0.0.0.0/0", "ALL")], [])
    plan = _acl_plan(POLICY, state)
    assert not plan.automatic and plan.manual
    assert "2001:db8::/32" in plan.manual[0].manual and "console" in plan.manual[0].manual


def test_an_acl_with_an_explicit_deny_all_above_other_entries_is_a_manual_step():
    """The provider's Read leaves out all/0.0.0.0/0/DROP: rewriting the list would remove the admin's
    deny-all and open what it kept from the entries below it."""
    state = _acl_state([_e("DROP", "ALL", "0.0.0.0/0", "ALL"), _e("ACCEPT", "22", "0.0.0.0/0")], [])
    plan = _acl_plan(POLICY, state)
    assert not plan.automatic and "deny-all" in plan.manual[0].manual
