"""The fleet entry point: selection, ordering, summary, drift and JSON-readiness."""

from __future__ import annotations

import json
from pathlib import Path

from diagnose_builders import entry, group, healthy_facts, healthy_instance, rule, state_with

from tcremedy.cloud.state import CollectionGap, GuestFacts, GuestProbe, NetworkAcl
from tcremedy.diagnose.drift import drift
from tcremedy.diagnose.engine import diagnose
from tcremedy.policy.loader import load_policy, parse_policy
from tcremedy.serde import to_data

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = load_policy(ROOT / "policies" / "windows-rdp.yaml")


def test_selection_skips_non_windows_and_unselected():
    linux = healthy_instance("ins-linux001", os_name="Ubuntu 22.04", platform="LINUX")
    win = healthy_instance("ins-win00001", tags={"env": "prod"}, name="web-1")
    other = healthy_instance("ins-win00002", tags={"env": "dev"}, name="db-1")
    state = state_with(linux, win, other)
    fleet = diagnose(DEFAULT, state)
    assert [d.instance_id for d in fleet.instances] == ["ins-win00001", "ins-win00002"] and fleet.skipped == 1
    tagged = parse_policy(
        "apiVersion: tcremedy/v1\nkind: RdpPolicy\nname: p\nrdp: {admin_cidrs: [203.0.113.0/24]}\n"
        "selector: {tags: {env: prod}, names: ['web-*'], regions: [ap-guangzhou]}\n"
    )
    fleet = diagnose(tagged, state)
    assert [d.instance_id for d in fleet.instances] == ["ins-win00001"] and fleet.skipped == 2
    assert (
        diagnose(
            parse_policy(
                "apiVersion: tcremedy/v1\nkind: RdpPolicy\nname: p\n"
                "rdp: {admin_cidrs: [203.0.113.0/24]}\nselector: {os: any}\n"
            ),
            state,
        ).skipped
        == 0
    )


def test_fleet_summary_and_ordering():
    stopped = healthy_instance("ins-b0000001", state="STOPPED", guest=None, metrics={})
    blocked = healthy_instance(
        "ins-a0000001", guest=GuestProbe("Online", "SUCCESS", facts=healthy_facts(deny_ts_connections=1))
    )
    ok = healthy_instance("ins-c0000001")
    unknown = healthy_instance("ins-d0000001", guest=GuestProbe("Offline"))
    state = state_with(
        stopped, blocked, ok, unknown, gaps=(CollectionGap("network_acl", "acl-other", "X", "y"),)
    )
    fleet = diagnose(DEFAULT, state)
    assert [d.instance_id for d in fleet.instances] == [
        "ins-a0000001",
        "ins-b0000001",
        "ins-c0000001",
        "ins-d0000001",
    ]
    s = fleet.summary
    assert (s.selected, s.compliant, s.failing, s.unknown) == (4, 1, 2, 1)
    assert s.root_causes == {"INSTANCE_NOT_RUNNING": 1, "GUEST_RDP_DISABLED": 1}
    assert s.by_code == {"INSTANCE_NOT_RUNNING": 1, "GUEST_RDP_DISABLED": 1, "GUEST_UNREACHABLE": 1}
    assert [g.resource_id for g in fleet.unattributed_gaps] == ["acl-other"]
    assert not fleet.compliant
    json.dumps(to_data(fleet))  # reports serialise it as is


def test_diagnosis_is_deterministic():
    state = state_with(
        healthy_instance("ins-a0000001", internet_max_bandwidth_out=0),
        healthy_instance("ins-b0000001", public_ip_addresses=()),
    )
    assert to_data(diagnose(DEFAULT, state)) == to_data(diagnose(DEFAULT, state))


def test_root_cause_with_contributing_findings():
    groups = (group("sg-rdp", rule(0, "DROP", cidr_block="0.0.0.0/0")),)
    inst = healthy_instance(
        internet_max_bandwidth_out=2,
        guest=GuestProbe("Online", "SUCCESS", facts=healthy_facts(allow_encryption_oracle=0)),
    )
    diag = diagnose(DEFAULT, state_with(inst, groups=groups)).instances[0]
    assert diag.root_cause.code == "SG_BLOCKS_RDP"
    assert [f.code for f in diag.contributing] == [
        "BANDWIDTH_SATURATED",
        "CREDSSP_MISMATCH",
        "BANDWIDTH_BELOW_POLICY",
    ]


def test_drift_items_show_desired_and_live():
    groups = (
        group(
            "sg-rdp",
            rule(0, cidr_block="203.0.113.0/25"),
            rule(1, protocol="ALL", port="ALL", cidr_block="0.0.0.0/0", action="ACCEPT"),
        ),
    )
    inst = healthy_instance(
        state="STOPPED",
        internet_max_bandwidth_out=1,
        guest=GuestProbe("Online", "SUCCESS", facts=GuestFacts(rdp_port=3390)),
    )
    items = {d.path: d for d in drift(DEFAULT, inst, state_with(inst, groups=groups))}
    assert (items["state"].desired, items["state"].live) == ("RUNNING", "STOPPED")
    assert (items["internet_max_bandwidth_out"].desired, items["internet_max_bandwidth_out"].live) == (
        ">=5",
        1,
    )
    assert items["guest.rdp_port"].live == 3390
    beyond = items["security_groups.ingress[tcp/3389].beyond_policy"]
    assert beyond.desired == [] and beyond.live == ["sg-rdp ingress #1: ACCEPT ALL ALL from 0.0.0.0/0"]
    assert "security_groups.ingress[tcp/3389]" not in items  # every admin address is admitted
    assert "guest.termservice_state" not in items  # not reported: UNKNOWN in the findings, not drift


def test_drift_reports_missing_admin_cidrs_and_acl():
    groups = (group("sg-rdp", rule(0, cidr_block="203.0.113.0/24")),)
    acl = NetworkAcl(
        "acl-1", ingress=(entry(port="3389"),), egress=(entry(port="49152-65535", cidr="203.0.113.0/24"),)
    )
    inst = healthy_instance()
    items = {d.path: d for d in drift(DEFAULT, inst, state_with(inst, groups=groups, acl=acl))}
    sg = items["security_groups.ingress[tcp/3389]"]
    assert sg.desired == ["198.51.100.10/32", "203.0.113.0/24"] and sg.live == ["203.0.113.0/24"]
    assert items["network_acl[tcp/3389]"].live == ["203.0.113.0/24"]
    assert set(items) == {"security_groups.ingress[tcp/3389]", "network_acl[tcp/3389]"}


def test_fleet_diagnosis_equals_diagnosing_each_instance_alone():
    """diagnose() shares reachability verdicts across instances with the same bindings; the
    result for every instance must be what diagnosing it alone (no shared context) gives."""
    from tcremedy.diagnose.engine import diagnose_instance

    groups = (
        group("sg-rdp", rule(0, cidr_block="203.0.113.0/24"), rule(1, cidr_block="198.51.100.10/32")),
        group("sg-web", rule(0, port="80,443", cidr_block="0.0.0.0/0")),
        group("sg-drop", rule(0, action="DROP", cidr_block="203.0.113.128/25")),
        group("sg-part", rule(0, cidr_block="203.0.113.0/25")),
    )
    bindings = [
        ("sg-rdp",),
        ("sg-web",),
        ("sg-drop", "sg-rdp"),
        ("sg-rdp", "sg-drop"),
        ("sg-part",),
        ("sg-web", "sg-part", "sg-rdp"),
        ("sg-rdp",),
        ("sg-part",),
    ]
    instances = [
        healthy_instance(f"ins-{n:08d}", security_group_ids=b, subnet_id="subnet-1" if n % 3 else "subnet-2")
        for n, b in enumerate(bindings)
    ]
    acl = NetworkAcl(
        "acl-1",
        ingress=(entry(action="DROP", port="3389", cidr="203.0.113.0/26"), entry()),
        egress=(entry(),),
    )
    state = state_with(*instances, groups=groups, acl=acl)
    fleet = diagnose(DEFAULT, state)
    assert len({i.root_cause.code if i.root_cause else None for i in fleet.instances}) > 1  # a varied fleet
    for result in fleet.instances:
        alone = diagnose_instance(DEFAULT, state.instances[result.instance_id], state)
        assert to_data(result) == to_data(alone), result.instance_id
