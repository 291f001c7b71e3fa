"""Root-cause selection and masking, on hand-built findings."""

from __future__ import annotations

from tcremedy.diagnose.chain import build_chain
from tcremedy.diagnose.findings import Finding, Severity, Status


def f(code: str, status: Status = Status.FAIL, reason: str = "") -> Finding:
    evidence = {"reason": reason} if reason else {}
    return Finding(code, "ins-1", Severity.HIGH, code.lower(), status=status, evidence=evidence)


def test_root_cause_is_the_earliest_failure_on_the_path():
    chain = build_chain(
        [f("CREDSSP_MISMATCH"), f("SG_BLOCKS_RDP"), f("BANDWIDTH_BELOW_POLICY"), f("INSTANCE_NOT_RUNNING")]
    )
    assert chain.root_cause.code == "INSTANCE_NOT_RUNNING"
    assert [x.code for x in chain.findings] == [
        "INSTANCE_NOT_RUNNING",
        "SG_BLOCKS_RDP",
        "CREDSSP_MISMATCH",
        "BANDWIDTH_BELOW_POLICY",
    ]


def test_unknown_earlier_on_the_path_does_not_become_root_cause():
    chain = build_chain([f("SG_BLOCKS_RDP", Status.UNKNOWN, "template"), f("GUEST_RDP_DISABLED")])
    assert chain.root_cause.code == "GUEST_RDP_DISABLED"
    assert [x.code for x in chain.findings] == ["GUEST_RDP_DISABLED", "SG_BLOCKS_RDP"]


def test_only_unknowns_means_no_root_cause_and_unknowns_listed():
    chain = build_chain(
        [f("CPU_SATURATED", Status.UNKNOWN, "no data"), f("ACL_BLOCKS_RDP", Status.UNKNOWN, "x")]
    )
    assert chain.root_cause is None
    assert [x.code for x in chain.findings] == ["ACL_BLOCKS_RDP", "CPU_SATURATED"]


def test_fail_sorts_before_unknown_at_equal_rank():
    chain = build_chain([f("SG_BLOCKS_RDP", Status.UNKNOWN, "x"), f("SG_BLOCKS_RDP")])
    assert [x.status for x in chain.findings] == [Status.FAIL, Status.UNKNOWN]


def test_not_running_masks_guest_unknowns_but_never_a_failure():
    chain = build_chain(
        [
            f("INSTANCE_NOT_RUNNING"),
            f("GUEST_UNREACHABLE", Status.UNKNOWN, "guest not probed"),
            f("GUEST_RDP_DISABLED", Status.UNKNOWN, "guest not probed"),
            f("CPU_SATURATED"),  # stale but real data: still reported
        ]
    )
    assert [x.code for x in chain.findings] == ["INSTANCE_NOT_RUNNING", "CPU_SATURATED"]
    assert {(m.code, m.masked_by) for m in chain.masked} == {
        ("GUEST_UNREACHABLE", "INSTANCE_NOT_RUNNING"),
        ("GUEST_RDP_DISABLED", "INSTANCE_NOT_RUNNING"),
    }
    assert all(m.reason == "guest not probed" for m in chain.masked)


def test_guest_unreachable_masks_guest_checks_and_stays_listed():
    chain = build_chain(
        [
            f("GUEST_UNREACHABLE", Status.UNKNOWN, "agent offline"),
            f("GUEST_TERMSERVICE_STOPPED", Status.UNKNOWN, "agent offline"),
            f("SG_BLOCKS_RDP"),
        ]
    )
    assert chain.root_cause.code == "SG_BLOCKS_RDP"
    assert [x.code for x in chain.findings] == ["SG_BLOCKS_RDP", "GUEST_UNREACHABLE"]
    assert [(m.code, m.masked_by) for m in chain.masked] == [
        ("GUEST_TERMSERVICE_STOPPED", "GUEST_UNREACHABLE")
    ]


def test_empty():
    chain = build_chain([])
    assert chain.root_cause is None and chain.findings == () and chain.masked == ()
