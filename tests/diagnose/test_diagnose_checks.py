"""One test per finding code: a small inline LiveState that breaks exactly one condition."""

from __future__ import annotations

from dataclasses import replace

import pytest
from diagnose_builders import NOW, entry, group, healthy_facts, healthy_instance, rule, series, state_with

from tcremedy.cloud.state import CollectionGap, GuestProbe, MetricSeries, NetworkAcl, window_end
from tcremedy.diagnose.checks import CHECKS
from tcremedy.diagnose.engine import diagnose_instance
from tcremedy.diagnose.findings import CAUSAL_ORDER, Status
from tcremedy.policy.loader import parse_policy

POLICY = parse_policy("""\
apiVersion: tcremedy/v1
kind: RdpPolicy
name: test
rdp:
  admin_cidrs: [203.0.113.0/24, 198.51.100.10/32]
""")


def run(instance=None, **state_kw):
    instance = instance or healthy_instance()
    state = state_with(instance, **state_kw)
    return diagnose_instance(POLICY, instance, state)


def only(diag, code):
    """The single finding with ``code``, asserting no other finding is present."""
    assert [f.code for f in diag.findings] == [code], diag.findings
    return diag.findings[0]


def test_healthy_instance_is_compliant():
    diag = run()
    assert diag.compliant and diag.findings == () and diag.root_cause is None and diag.drift == ()


def test_every_code_in_causal_order_has_a_registered_check_with_a_docstring():
    assert set(CHECKS.names()) == set(CAUSAL_ORDER)
    for check in CHECKS:
        assert check.__doc__ and check.code in CAUSAL_ORDER


def test_instance_isolated():
    f = only(
        run(healthy_instance(restrict_state="PROTECTIVELY_ISOLATED", isolated_source="MANMADE")),
        "INSTANCE_ISOLATED",
    )
    assert f.status is Status.FAIL and f.fix is None
    assert f.evidence == {"restrict_state": "PROTECTIVELY_ISOLATED", "isolated_source": "MANMADE"}


def test_instance_not_running_masks_guest_and_metrics():
    inst = healthy_instance(state="STOPPED", guest=None, metrics={})
    diag = run(inst)
    f = only(diag, "INSTANCE_NOT_RUNNING")
    assert f.fix == "start_instance" and f.evidence["instance_state"] == "STOPPED"
    masked = {m.code: m.masked_by for m in diag.masked}
    assert masked["GUEST_RDP_DISABLED"] == "INSTANCE_NOT_RUNNING"
    assert masked["CPU_SATURATED"] == "INSTANCE_NOT_RUNNING"
    assert masked["GUEST_UNREACHABLE"] == "INSTANCE_NOT_RUNNING"
    assert not diag.compliant


def test_transitional_state_has_no_automatic_fix():
    f = only(run(healthy_instance(state="REBOOTING")), "INSTANCE_NOT_RUNNING")
    assert f.fix is None


def test_no_public_ip():
    f = only(run(healthy_instance(public_ip_addresses=())), "NO_PUBLIC_IP")
    assert f.fix is None and f.evidence["private_ip_addresses"] == ["10.0.1.5"]


def test_bandwidth_zero():
    f = only(run(healthy_instance(internet_max_bandwidth_out=0)), "BANDWIDTH_ZERO")
    assert f.fix == "raise_bandwidth" and f.evidence["internet_max_bandwidth_out"] == 0


def test_bandwidth_below_policy():
    metrics = {**healthy_instance().metrics, "WanOuttraffic": series("WanOuttraffic", 0.5)}
    f = only(run(healthy_instance(internet_max_bandwidth_out=2, metrics=metrics)), "BANDWIDTH_BELOW_POLICY")
    assert f.evidence == {
        "internet_max_bandwidth_out": 2,
        "min_bandwidth_mbps": 5,
        "internet_charge_type": "",
    }


def test_bandwidth_saturated_uses_max_over_window_against_cap():
    metrics = {**healthy_instance().metrics, "WanOuttraffic": series("WanOuttraffic", 2, 9.1, 3)}
    f = only(run(healthy_instance(metrics=metrics)), "BANDWIDTH_SATURATED")
    assert (
        f.evidence["max_mbps"] == 9.1 and f.evidence["threshold_mbps"] == 9.0 and f.fix == "raise_bandwidth"
    )
    below = {**metrics, "WanOuttraffic": series("WanOuttraffic", 8.9)}
    assert run(healthy_instance(metrics=below)).compliant


def test_old_samples_outside_the_window_are_ignored():
    end = window_end(NOW, 60)  # the window's newest sample: NOW less the publishing lag
    old = MetricSeries("CpuUsage", 60, (end - 3600.0, float(end)), (99.0, 10.0))
    assert run(healthy_instance(metrics={**healthy_instance().metrics, "CpuUsage": old})).compliant


def test_samples_count_by_their_time_in_any_order_and_a_metric_in_any_case():
    """The API lists samples oldest first, but the window is read by time, not by position; and a
    metric may come back as the request spelt it (CPUUsage)."""
    stamps = (NOW - 60, NOW - 7200, NOW - 120, NOW - 3600)
    shuffled = MetricSeries("CPUUsage", 60, stamps, (50.0, 99.0, 95.0, 99.0))
    metrics = {k: v for k, v in healthy_instance().metrics.items() if k != "CpuUsage"}
    f = only(run(healthy_instance(metrics={**metrics, "CPUUsage": shuffled})), "CPU_SATURATED")
    assert (f.evidence["metric"], f.evidence["max"]) == ("CPUUsage", 95)


def test_cpu_saturated_from_base_cpu_usage():
    metrics = {**healthy_instance().metrics, "BaseCpuUsage": series("BaseCpuUsage", 50, 95)}
    f = only(run(healthy_instance(metrics=metrics)), "CPU_SATURATED")
    assert (f.evidence["metric"], f.evidence["max"], f.evidence["threshold"]) == ("BaseCpuUsage", 95, 90)
    assert f.fix == "reboot_instance"


def test_memory_saturated():
    metrics = {**healthy_instance().metrics, "MemUsage": series("MemUsage", 90)}
    assert only(run(healthy_instance(metrics=metrics)), "MEMORY_SATURATED").evidence["max"] == 90


def test_missing_metrics_are_unknown_not_pass():
    metrics = {k: v for k, v in healthy_instance().metrics.items() if k != "MemUsage"}
    gap = CollectionGap("metrics", "ins-aaaaaaaa", "LimitExceeded.LimitedAccess", "throttled")
    f = only(run(healthy_instance(metrics=metrics), gaps=(gap,)), "MEMORY_SATURATED")
    assert (
        f.status is Status.UNKNOWN and "LimitExceeded.LimitedAccess" in f.evidence["reason"] and f.fix is None
    )


def test_sg_blocks_rdp_names_rule_and_missing_cidrs():
    groups = (group("sg-rdp", rule(0, "DROP", cidr_block="0.0.0.0/0"), rule(1, cidr_block="203.0.113.0/24")),)
    f = only(run(groups=groups), "SG_BLOCKS_RDP")
    assert f.fix == "sg_allow_rdp"
    assert f.evidence["not_admitted"] == ["203.0.113.0/24", "198.51.100.10/32"]
    assert f.evidence["deciding_rules"] == ["sg-rdp ingress #0: DROP TCP 3389 from 0.0.0.0/0"]


def test_sg_partial_admission_fails_for_the_uncovered_part():
    groups = (group("sg-rdp", rule(0, cidr_block="203.0.113.0/25"), rule(1, cidr_block="198.51.100.10/32")),)
    f = only(run(groups=groups), "SG_BLOCKS_RDP")
    assert f.evidence["not_admitted"] == ["203.0.113.128/25"]


def test_sg_unresolvable_template_is_unknown():
    groups = (group("sg-rdp", rule(0, address_template_id="ipm-gone")),)
    f = only(run(groups=groups), "SG_BLOCKS_RDP")
    assert f.status is Status.UNKNOWN and "ipm-gone" in f.evidence["reason"]


def test_sg_not_collected_reports_the_gap():
    gap = CollectionGap("security_group", "sg-rdp", "InternalError", "boom")
    f = only(run(groups=(), gaps=(gap,)), "SG_BLOCKS_RDP")
    assert f.status is Status.UNKNOWN and "InternalError" in f.evidence["reason"]


def test_acl_blocks_return_traffic():
    acl = NetworkAcl("acl-1", ingress=(entry(port="3389"),), egress=(entry(port="80"),))
    f = only(run(acl=acl), "ACL_BLOCKS_RDP")
    assert f.fix == "acl_allow_rdp" and "return traffic" in f.message
    assert f.evidence["network_acl_id"] == "acl-1"
    assert {b["direction"] for b in f.evidence["blocked"]} == {"outbound"}


def test_acl_blocks_inbound():
    acl = NetworkAcl(
        "acl-1", ingress=(entry("DROP", port="3389", cidr="198.51.100.0/24"), entry()), egress=(entry(),)
    )
    f = only(run(acl=acl), "ACL_BLOCKS_RDP")
    assert f.evidence["blocked"][0]["cidrs"] == ["198.51.100.10/32"] and "inbound" in f.message


def test_acl_missing_is_unknown():
    f = only(
        run(subnets={"subnet-1": replace(state_with().subnets["subnet-1"], network_acl_id="acl-gone")}),
        "ACL_BLOCKS_RDP",
    )
    assert f.status is Status.UNKNOWN and "acl-gone" in f.evidence["reason"]


@pytest.mark.parametrize(
    ("facts", "code", "fix", "key", "value"),
    [
        (dict(deny_ts_connections=1), "GUEST_RDP_DISABLED", "guest_enable_rdp", "fDenyTSConnections", 1),
        (
            dict(termservice_state="Stopped"),
            "GUEST_TERMSERVICE_STOPPED",
            "guest_start_termservice",
            "termservice_state",
            "Stopped",
        ),
        (
            dict(rdp_port=3390, tds_port=3390),
            "GUEST_RDP_PORT_CHANGED",
            "guest_align_rdp_port",
            "rdp_port",
            3390,
        ),
        (dict(tds_port=3390), "GUEST_RDP_PORT_CHANGED", "guest_align_rdp_port", "tds_port", 3390),
        (
            dict(firewall_allows_rdp_port=False),
            "GUEST_FIREWALL_BLOCKS_RDP",
            "guest_allow_rdp_firewall",
            "firewall_profiles_enabled",
            ["Public"],
        ),
        (
            dict(allow_encryption_oracle=0),
            "CREDSSP_MISMATCH",
            "guest_credssp_mitigated",
            "allow_encryption_oracle",
            0,
        ),
    ],
)
def test_guest_checks(facts, code, fix, key, value):
    inst = healthy_instance(guest=GuestProbe("Online", "SUCCESS", facts=healthy_facts(**facts)))
    f = only(run(inst), code)
    assert f.status is Status.FAIL and f.fix == fix and f.evidence[key] == value


def probed(**facts):
    return healthy_instance(guest=GuestProbe("Online", "SUCCESS", facts=healthy_facts(**facts)))


def test_rdp_not_listening_when_service_runs_and_rdp_is_enabled():
    """The guide's telnet/netstat check: Running, enabled, ports match, yet nothing listens."""
    diag = run(probed(listening=False))
    f = only(diag, "GUEST_RDP_NOT_LISTENING")
    assert f.status is Status.FAIL and f.fix == "guest_start_termservice" and diag.root_cause == f
    assert (f.evidence["listening"], f.evidence["termservice_state"], f.evidence["rdp_port"]) == (
        False,
        "Running",
        3389,
    )
    assert [(d.path, d.desired, d.live) for d in diag.drift] == [("guest.listening", True, False)]


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (dict(termservice_state="Stopped"), "GUEST_TERMSERVICE_STOPPED"),
        (dict(deny_ts_connections=1), "GUEST_RDP_DISABLED"),
        (dict(rdp_port=3390, tds_port=3390), "GUEST_RDP_PORT_CHANGED"),
    ],
)
def test_silent_port_explained_by_another_guest_cause_is_not_reported_twice(facts, code):
    diag = run(probed(listening=False, **facts))
    only(diag, code)
    assert "guest.listening" not in {d.path for d in diag.drift}


def test_rdp_not_listening_is_unknown_without_the_facts():
    f = only(run(probed(listening=None)), "GUEST_RDP_NOT_LISTENING")
    assert f.status is Status.UNKNOWN and f.fix is None and "listens" in f.evidence["reason"]
    diag = run(probed(listening=False, deny_ts_connections=None))
    unknown = {f.code: f for f in diag.findings}
    assert set(unknown) == {"GUEST_RDP_DISABLED", "GUEST_RDP_NOT_LISTENING"} and diag.root_cause is None
    assert "fDenyTSConnections" in unknown["GUEST_RDP_NOT_LISTENING"].evidence["reason"]
    assert all(f.status is Status.UNKNOWN for f in diag.findings)


def test_rdp_listening_switch_turns_the_check_off():
    inst = probed(listening=False)
    assert not run(inst).compliant
    policy = replace(POLICY, guest=replace(POLICY.guest, rdp_listening=False))
    diag = diagnose_instance(policy, inst, state_with(inst))
    assert diag.compliant and diag.drift == ()


def test_firewall_off_passes_even_without_rule():
    facts = healthy_facts(firewall_profiles_enabled=(), firewall_allows_rdp_port=False)
    assert run(healthy_instance(guest=GuestProbe("Online", "SUCCESS", facts=facts))).compliant


def test_credssp_values_one_two_absent_pass():
    for value in (1, 2, None):
        facts = healthy_facts(allow_encryption_oracle=value)
        assert run(healthy_instance(guest=GuestProbe("Online", "SUCCESS", facts=facts))).compliant


def test_password_reset_failed():
    inst = healthy_instance(
        latest_operation="ResetInstancesPassword",
        latest_operation_state="FAILED",
        latest_operation_error_msg="cloudbase-init not running",
    )
    f = only(run(inst), "PASSWORD_RESET_FAILED")
    assert f.fix == "reset_password" and "cloudbase-init" in f.message


def test_guest_unreachable_masks_the_guest_checks():
    inst = healthy_instance(guest=GuestProbe("Offline", error="agent heartbeat lost"))
    diag = run(inst)
    f = only(diag, "GUEST_UNREACHABLE")
    assert f.status is Status.UNKNOWN and f.fix is None and "Offline" in f.evidence["reason"]
    assert diag.root_cause is None and not diag.compliant
    assert {m.code for m in diag.masked} == {
        "GUEST_RDP_DISABLED",
        "GUEST_TERMSERVICE_STOPPED",
        "GUEST_RDP_NOT_LISTENING",
        "GUEST_RDP_PORT_CHANGED",
        "GUEST_FIREWALL_BLOCKS_RDP",
        "CREDSSP_MISMATCH",
        "GUEST_SECURITY_SOFTWARE",
        "GUEST_CREDSSP_UNPATCHED",
    }
    assert {m.masked_by for m in diag.masked} == {"GUEST_UNREACHABLE"}


def test_probe_failed_is_unreachable_with_task_status():
    inst = healthy_instance(guest=GuestProbe("Online", task_status="TIMEOUT", error="no output in 60 s"))
    f = only(run(inst), "GUEST_UNREACHABLE")
    assert "TIMEOUT" in f.evidence["reason"]


def test_instance_gap_is_unknown():
    gap = CollectionGap("instance", "ins-aaaaaaaa", "RequestLimitExceeded", "slow down")
    f = only(run(gaps=(gap,)), "UNKNOWN")
    assert f.status is Status.UNKNOWN and "RequestLimitExceeded" in f.evidence["reason"]
