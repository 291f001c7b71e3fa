"""The emulator's own reachability judge over the control API (POST /_emulator/reachability)."""

from __future__ import annotations

import json
import urllib.error

import pytest
from tencentcloud.vpc.v20170312 import models as vm
from tencentcloud.vpc.v20170312 import vpc_client

ADMIN = "203.0.113.7"  # inside the shipped scenarios' admin office range 203.0.113.0/24
OUTSIDE = "192.0.2.99"  # outside every admin range


def ask(emulator, source_ip: str, port: int = 3389, **extra) -> dict:
    [iid] = emulator.instance_ids()
    return emulator.control(
        "POST", "reachability", {"instance_id": iid, "source_ip": source_ip, "port": port, **extra}
    )


@pytest.mark.emulator(scenario="healthy")
def test_healthy_admits_the_admin_and_nobody_else(emulator) -> None:
    admitted = ask(emulator, ADMIN)
    assert admitted["reachable"] is True and admitted["stopped_at"] is None
    assert admitted["rule"]["action"] == "ACCEPT"
    refused = ask(emulator, OUTSIDE)
    assert refused == {**refused, "reachable": False, "stopped_at": "security_groups"}
    assert ask(emulator, ADMIN, port=3390)["stopped_at"] == "security_groups"


@pytest.mark.parametrize(
    ("scenario", "layer"),
    [
        ("sg-drop-before-accept", "security_groups"),
        ("acl-blocks-rdp", "network_acl.ingress"),
        ("instance-stopped", "instance"),
        ("bandwidth-zero", "bandwidth"),
        ("guest-firewall-blocks", "guest.firewall"),
        ("guest-rdp-disabled", "guest.listener"),
    ],
)
def test_each_broken_layer_stops_the_packet(emulator_factory, scenario: str, layer: str) -> None:
    verdict = ask(emulator_factory(scenario=scenario), ADMIN)
    assert (verdict["reachable"], verdict["stopped_at"]) == (False, layer)
    assert verdict["rule"]["text"]


@pytest.mark.emulator(scenario="acl-blocks-rdp")
def test_a_stateless_acl_needs_the_reply_on_every_ephemeral_port(emulator) -> None:
    vpc = emulator.client(vpc_client.VpcClient)
    [acl] = vpc.DescribeNetworkAcls(vm.DescribeNetworkAclsRequest()).NetworkAclSet
    request = vm.ModifyNetworkAclEntriesRequest()
    request.from_json_string(
        json.dumps(
            {
                "NetworkAclId": acl.NetworkAclId,
                "NetworkAclEntrySet": {
                    "Ingress": [
                        {"Protocol": "TCP", "Port": "3389", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}
                    ],
                    "Egress": [
                        {
                            "Protocol": "TCP",
                            "Port": "49152-60000",
                            "CidrBlock": "0.0.0.0/0",
                            "Action": "ACCEPT",
                        }
                    ],
                },
            }
        )
    )
    vpc.ModifyNetworkAclEntries(request)
    verdict = ask(emulator, ADMIN)
    assert (verdict["reachable"], verdict["stopped_at"], verdict["source_port"]) == (
        False,
        "network_acl.egress",
        60001,
    )
    assert ask(emulator, ADMIN, source_port=50000)["reachable"] is True


@pytest.mark.emulator(scenario="acl-blocks-rdp")
def test_traffic_no_entry_matches_meets_the_acls_listed_default_rules(emulator) -> None:
    """After the ACL's own entries come the default rules DescribeNetworkAcls lists: IPv4 all
    0.0.0.0/0 DROP, IPv6 all ::/0 ACCEPT (the shapes the provider's CheckIfDefaultRule drops)."""
    vpc = emulator.client(vpc_client.VpcClient)
    [acl] = vpc.DescribeNetworkAcls(vm.DescribeNetworkAclsRequest()).NetworkAclSet
    [group] = vpc.DescribeSecurityGroups(vm.DescribeSecurityGroupsRequest()).SecurityGroupSet
    rdp = {"Protocol": "TCP", "Port": "3389", "Action": "ACCEPT"}
    replies = {**rdp, "Port": "49152-65535", "CidrBlock": "0.0.0.0/0"}
    acl_entries = {"Ingress": [{**rdp, "CidrBlock": "203.0.113.0/24"}], "Egress": [replies]}
    v6_rule = {"Ingress": [{**rdp, "Ipv6CidrBlock": "2001:db8::/32"}]}
    for call, request, body in (
        (vpc.ModifyNetworkAclEntries, vm.ModifyNetworkAclEntriesRequest(),
         {"NetworkAclId": acl.NetworkAclId, "NetworkAclEntrySet": acl_entries}),
        (vpc.CreateSecurityGroupPolicies, vm.CreateSecurityGroupPoliciesRequest(),
         {"SecurityGroupId": group.SecurityGroupId, "SecurityGroupPolicySet": v6_rule}),
    ):
        request.from_json_string(json.dumps(body))
        call(request)
    assert ask(emulator, ADMIN)["reachable"] is True
    refused = ask(emulator, "198.51.100.10")  # admitted by the group, no ACL entry of its own
    assert (refused["stopped_at"], refused["rule"]["action"]) == ("network_acl.ingress", "DROP")
    assert "default rule" in refused["rule"]["text"]
    assert ask(emulator, "2001:db8::7")["reachable"] is True  # IPv6: the listed default ACCEPT


@pytest.mark.parametrize(
    ("body", "field"),
    [({"source_ip": "nope", "port": 3389}, "source_ip"), ({"source_ip": ADMIN, "port": 0}, "port")],
)
def test_bad_questions_get_a_400_naming_the_field(emulator, body: dict, field: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        emulator.control("POST", "reachability", {"instance_id": "ins-x", **body})
    assert err.value.code == 400 and f"`{field}`" in json.loads(err.value.read())["error"]
