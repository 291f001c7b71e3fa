"""Shipped scenarios: each builds the documented cloud through the API, with the stated cause."""

from __future__ import annotations

import pytest
from tencentcloud.common.common_client import CommonClient
from tencentcloud.vpc.v20170312 import vpc_client

from tcremedy.diagnose.findings import CAUSAL_ORDER
from tcremedy.emulator import scenarios
from tcremedy.emulator.core.world import World
from tcremedy.emulator.scenarios import ScenarioError

SINGLE = [s for s in scenarios.shipped() if not scenarios.is_generated(s)]
ADMIN = "203.0.113.0/24"


def rdp_ingress(vpc, sg_id: str) -> list[dict]:
    out = vpc.call_json("DescribeSecurityGroupPolicies", {"SecurityGroupId": sg_id})
    return out["Response"]["SecurityGroupPolicySet"]["Ingress"]


def first_rdp_match(vpc, sg_ids: list[str]) -> str | None:
    """First matching rule for TCP 3389 from the admin CIDR across the bound groups (None = default deny)."""
    for sg in sg_ids:
        for rule in rdp_ingress(vpc, sg):
            ports = rule["Port"].upper()
            port_ok = ports == "ALL" or "3389" in ports.split(",")
            if (
                rule["Protocol"].upper() in ("TCP", "ALL")
                and port_ok
                and rule["CidrBlock"] in ("0.0.0.0/0", ADMIN)
            ):
                return rule["Action"]
    return None


def test_every_issue_scenario_is_shipped() -> None:
    wanted = {
        "healthy",
        "sg-missing-rdp",
        "sg-drop-before-accept",
        "sg-second-group-drops",
        "acl-blocks-rdp",
        "bandwidth-zero",
        "bandwidth-saturated",
        "cpu-saturated",
        "instance-stopped",
        "password-reset-failed",
        "guest-rdp-disabled",
        "guest-port-changed",
        "guest-firewall-blocks",
        "credssp-mismatch",
        "no-public-ip",
        "isolated",
        "fleet",
    }
    assert wanted <= set(scenarios.shipped())


@pytest.mark.parametrize("name", SINGLE)
def test_single_scenario_shape_and_cause(emulator_factory, name: str) -> None:
    emu = emulator_factory(scenario=name)
    meta = emu.control("GET", "scenario")
    cause = meta["expect"]["root_cause"]
    assert cause is None or cause in CAUSAL_ORDER
    cvm = CommonClient("cvm", "2017-03-12", emu.credential(), emu.region, emu.profile())
    vpc = emu.client(vpc_client.VpcClient)
    (inst,) = cvm.call_json("DescribeInstances", {})["Response"]["InstanceSet"]
    assert "Windows" in inst["OsName"] and meta["instances"] == {inst["InstanceId"]: cause}
    assert len(vpc.call_json("DescribeVpcs", {})["Response"]["VpcSet"]) == 1
    view = emu.control("GET", f"instances/{inst['InstanceId']}")
    guest, load = view["guest"], view["load"]
    checks = {
        "healthy": lambda: (
            first_rdp_match(vpc, inst["SecurityGroupIds"]) == "ACCEPT"
            and inst["InternetAccessible"]["InternetMaxBandwidthOut"] >= 5
            and load["CpuUsage"] < 90
        ),
        "sg-missing-rdp": lambda: first_rdp_match(vpc, inst["SecurityGroupIds"]) is None,
        "sg-drop-before-accept": lambda: (
            rdp_ingress(vpc, inst["SecurityGroupIds"][0])[0]["Action"] == "DROP"
            and first_rdp_match(vpc, inst["SecurityGroupIds"]) == "DROP"
        ),
        "sg-second-group-drops": lambda: (
            len(inst["SecurityGroupIds"]) == 2
            and first_rdp_match(vpc, inst["SecurityGroupIds"][:1]) is None
            and first_rdp_match(vpc, inst["SecurityGroupIds"]) == "DROP"
        ),
        "acl-blocks-rdp": lambda: (
            any(
                e["Action"].upper() == "DROP" and e["Port"] == "3389"
                for a in vpc.call_json("DescribeNetworkAcls", {})["Response"]["NetworkAclSet"]
                for e in a["IngressEntries"]
            )
            and first_rdp_match(vpc, inst["SecurityGroupIds"]) == "ACCEPT"
        ),
        "acl-quintuple-blocks": lambda: (
            all(
                a["NetworkAclType"] == "QUINTUPLE" and a["IngressEntries"] == []
                for a in vpc.call_json("DescribeNetworkAcls", {})["Response"]["NetworkAclSet"]
            )
            and first_rdp_match(vpc, inst["SecurityGroupIds"]) == "ACCEPT"
        ),
        "sg-ipv6-admin-missing": lambda: (
            [r["Ipv6CidrBlock"] for r in rdp_ingress(vpc, inst["SecurityGroupIds"][0]) if r["Ipv6CidrBlock"]]
            == ["2001:db8:99::/48"]
            and [
                (e["CidrBlock"], e["Ipv6CidrBlock"], e["Action"])
                for a in vpc.call_json("DescribeNetworkAcls", {})["Response"]["NetworkAclSet"]
                for e in a["IngressEntries"]
            ][-1] == ("", "::/0", "Accept")  # IPv6 meets the listed default rule
        ),
        "sg-template-drop": lambda: (
            rdp_ingress(vpc, inst["SecurityGroupIds"][0])[0]["ServiceTemplate"]["ServiceId"][:4] == "ppm-"
            and rdp_ingress(vpc, inst["SecurityGroupIds"][0])[0]["Action"] == "DROP"
        ),
        "bandwidth-zero": lambda: (
            inst["InternetAccessible"]["InternetMaxBandwidthOut"] == 0 and inst["PublicIpAddresses"]
        ),
        "bandwidth-saturated": lambda: (
            inst["InternetAccessible"]["InternetMaxBandwidthOut"] == 5 and load["WanOuttraffic"] / 5 > 0.95
        ),
        "cpu-saturated": lambda: load["CpuUsage"] > 95,
        "instance-stopped": lambda: inst["InstanceState"] == "STOPPED",
        "password-reset-failed": lambda: (
            (inst["LatestOperation"], inst["LatestOperationState"]) == ("ResetInstancesPassword", "FAILED")
        ),
        "guest-rdp-disabled": lambda: guest["fDenyTSConnections"] == 1,
        "guest-port-changed": lambda: guest["RdpPort"] == guest["TdsPort"] != 3389,
        "guest-firewall-blocks": lambda: (
            not guest["FirewallAllowsRdpPort"] and guest["FirewallProfilesEnabled"]
        ),
        "guest-termservice-stopped": lambda: guest["TermServiceState"] == "Stopped",
        "guest-rdp-not-listening": lambda: (
            guest["ListenerStuck"]
            and not guest["Listening"]
            and (guest["TermServiceState"], guest["fDenyTSConnections"]) == ("Running", 0)
            and guest["RdpPort"] == guest["TdsPort"] == 3389
        ),
        "guest-agent-offline": lambda: guest["AgentStatus"] == "Offline",
        "credssp-mismatch": lambda: guest["AllowEncryptionOracle"] == 0,
        "guest-security-software": lambda: guest["SecuritySoftware"][0]["Name"] == "SepMasterService",
        "guest-nla-mismatch": lambda: guest["UserAuthentication"] == 0,
        "guest-credssp-unpatched": lambda: guest["CredSspPatched"] is False,
        "no-public-ip": lambda: (
            not inst["PublicIpAddresses"] and inst["InternetAccessible"]["InternetMaxBandwidthOut"] > 0
        ),
        "isolated": lambda: inst["RestrictState"] == "PROTECTIVELY_ISOLATED",
    }
    assert checks[name]()
    if name != "instance-stopped":
        assert inst["InstanceState"] == "RUNNING"


def test_fleet_is_seeded_sized_and_mixed() -> None:
    def build(size: int, seed: int) -> tuple[World, dict]:
        world = World(seed=seed)
        loaded = scenarios.load(world, "fleet", region="ap-guangzhou", fleet_size=size)
        return world, loaded.instances

    world, expected = build(400, seed=1)
    assert len(expected) == 400
    causes = [c for c in expected.values() if c]
    assert 0.25 < len(causes) / 400 < 0.55 and len(set(causes)) >= 8
    linux = [i for i in world.region().cvm.instances.values() if not i.is_windows]
    assert linux and all(expected[i.instance_id] is None for i in linux)
    assert build(400, seed=1)[1] == expected
    assert build(400, seed=2)[1] != expected
    with pytest.raises(ScenarioError, match="fleet-size"):
        build(10_001, seed=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\ncolour: red\n", "unknown top-level key"),
        ("name: x\nvpcs: [\n", "line"),
        ("name: x\nexpect: {root_cause: not-a-code}\n", "is not a finding code"),
        (
            "vpcs: [{name: v, cidr: 10.0.0.0/16,\n"
            "        subnets: [{name: s, cidr: 10.0.1.0/24, zone: ap-guangzhou-3}]}]\n"
            "instances: [{name: a, subnet: nope}]\n",
            "instances[0].subnet",
        ),
        ("vpcs: [{name: v, cidr: not-a-cidr}]\n", "vpcs[0]: CreateVpc failed"),
    ],
)
def test_bad_scenario_files_name_file_and_field(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        scenarios.load(World(), str(path), region="ap-guangzhou")
    assert str(path) in str(err.value) and message in str(err.value)


def test_demo_fleet_cycles_through_its_fixable_causes() -> None:
    world = World(seed=0)
    loaded = scenarios.load(world, "demo-fleet", region="ap-guangzhou", fleet_size=14)  # as make demo
    wanted = set(scenarios.read("demo-fleet")[1]["fleet"]["causes"])
    causes = [c for c in loaded.instances.values() if c]
    assert set(causes) == wanted and len(causes) == len(wanted)
    assert None in loaded.instances.values()  # healthy ones (and Linux) too


def test_fleet_options_are_validated(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ngenerator: fleet\nfleet:\n  causes: [NOT_A_CAUSE]\n")
    with pytest.raises(ScenarioError, match=r"fleet\.causes"):
        scenarios.load(World(), str(bad), region="ap-guangzhou", fleet_size=5)
