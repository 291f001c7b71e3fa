"""VPCs, subnets, network ACLs, address templates, used IPs and VPC state persistence,
driven by the real VpcClient over HTTP against the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm_models
from tencentcloud.vpc.v20170312 import models, vpc_client

from tcremedy.emulator.core.dispatch import resolve
from tcremedy.emulator.core.world import World
from tcremedy.emulator.defaults import DEFAULT_REGION

Api = Callable[..., dict[str, Any]]
ZONE = f"{DEFAULT_REGION}-3"


@pytest.fixture
def vpc(emulator: Any) -> Api:
    """Call an action through the real VpcClient and return the response as plain data."""
    client = emulator.client(vpc_client.VpcClient)

    def call(action: str, **params: Any) -> dict[str, Any]:
        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        return json.loads(getattr(client, action)(request).to_json_string())

    return call


def error_code(fn: Callable[[], Any]) -> str:
    with pytest.raises(TencentCloudSDKException) as info:
        fn()
    return str(info.value.get_code())


def new_vpc(vpc: Api, cidr: str = "10.0.0.0/16") -> str:
    return vpc("CreateVpc", VpcName="v", CidrBlock=cidr)["Vpc"]["VpcId"]


def new_subnet(vpc: Api, vpc_id: str, cidr: str, name: str = "s") -> str:
    return vpc("CreateSubnet", VpcId=vpc_id, SubnetName=name, CidrBlock=cidr, Zone=ZONE)["Subnet"]["SubnetId"]


def entry(port: str = "3389", cidr: str = "203.0.113.0/24", action: str = "ACCEPT", protocol: str = "TCP",
          **extra: Any) -> dict[str, Any]:
    return {"Protocol": protocol, "Port": port, "CidrBlock": cidr, "Action": action, **extra}


# -- VPCs and subnets --------------------------------------------------------------------------


def test_create_and_describe_vpcs(vpc: Api) -> None:
    created = vpc("CreateVpc", VpcName="prod", CidrBlock="172.16.0.0/16")["Vpc"]
    assert created["CidrBlock"] == "172.16.0.0/16" and created["VpcId"].startswith("vpc-")
    other = new_vpc(vpc, "192.168.0.0/24")

    assert vpc("DescribeVpcs")["TotalCount"] == 2
    named = vpc("DescribeVpcs", Filters=[{"Name": "vpc-name", "Values": ["pro"]}])  # fuzzy, as documented
    assert [v["VpcId"] for v in named["VpcSet"]] == [created["VpcId"]]
    assert vpc("DescribeVpcs", VpcIds=[other])["VpcSet"][0]["CidrBlock"] == "192.168.0.0/24"

    assert error_code(lambda: vpc("CreateVpc", VpcName="x", CidrBlock="8.8.0.0/16")) \
        == "InvalidParameterValue.Range"
    assert error_code(lambda: vpc("CreateVpc", VpcName="x", CidrBlock="10.0.0.1/16")) \
        == "InvalidParameterValue.Malformed"
    assert error_code(lambda: vpc("CreateVpc", VpcName="x")) == "MissingParameter"


def test_create_subnets_inside_their_vpc_without_overlap(vpc: Api) -> None:
    vpc_id = new_vpc(vpc)
    subnet = vpc("CreateSubnet", VpcId=vpc_id, SubnetName="a", CidrBlock="10.0.1.0/24", Zone=ZONE)["Subnet"]
    assert (subnet["VpcId"], subnet["Zone"], subnet["NetworkAclId"]) == (vpc_id, ZONE, "")
    assert (subnet["TotalIpAddressCount"], subnet["AvailableIpAddressCount"]) == (256, 253)

    assert error_code(lambda: new_subnet(vpc, vpc_id, "10.1.0.0/24")) == "InvalidParameterValue.SubnetRange"
    assert error_code(lambda: new_subnet(vpc, vpc_id, "10.0.1.128/25")) \
        == "InvalidParameterValue.SubnetConflict"
    assert error_code(lambda: new_subnet(vpc, "vpc-00000000", "10.0.2.0/24")) == "ResourceNotFound"
    assert error_code(lambda: vpc("CreateSubnet", VpcId=vpc_id, SubnetName="z", CidrBlock="10.0.9.0/24")) \
        == "MissingParameter"


def test_describe_subnets_filters_and_paging(vpc: Api) -> None:
    first, second = new_vpc(vpc), new_vpc(vpc, "10.1.0.0/16")
    ids = [new_subnet(vpc, first, f"10.0.{i}.0/24", f"s{i}") for i in range(3)]
    elsewhere = new_subnet(vpc, second, "10.1.0.0/24")

    in_first = vpc("DescribeSubnets", Filters=[{"Name": "vpc-id", "Values": [first]}], Limit="2")
    assert in_first["TotalCount"] == 3 and [s["SubnetId"] for s in in_first["SubnetSet"]] == ids[:2]
    tail = vpc("DescribeSubnets", Filters=[{"Name": "vpc-id", "Values": [first]}], Offset="2", Limit="2")
    assert [s["SubnetId"] for s in tail["SubnetSet"]] == ids[2:]
    by_id = vpc("DescribeSubnets", Filters=[{"Name": "subnet-id", "Values": [elsewhere, ids[1]]}])
    assert sorted(s["SubnetId"] for s in by_id["SubnetSet"]) == sorted([elsewhere, ids[1]])
    assert vpc("DescribeSubnets", SubnetIds=[ids[0]])["SubnetSet"][0]["SubnetName"] == "s0"
    assert error_code(lambda: vpc("DescribeSubnets", SubnetIds=["subnet-00000000"])) == "ResourceNotFound"
    assert error_code(lambda: vpc("DescribeSubnets", Filters=[{"Name": "vpc", "Values": [first]}])) \
        == "InvalidParameter.FilterInvalidKey"


# -- network ACLs ------------------------------------------------------------------------------


DEFAULTS = [("all", "", "0.0.0.0/0", "", "Drop"), ("all", "", "", "::/0", "Accept")]


def shapes(entries: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [(e["Protocol"], e["Port"], e["CidrBlock"], e["Ipv6CidrBlock"], e["Action"]) for e in entries]


def test_new_acl_lists_only_its_default_rules_until_entries_are_added(vpc: Api) -> None:
    """The default rules come last in each direction, in the shape the provider's CheckIfDefaultRule
    drops (resource_tc_vpc_acl.go v1.82.42), with no entry id; a QUINTUPLE ACL lists no entries."""
    vpc_id = new_vpc(vpc)
    acl = vpc("CreateNetworkAcl", VpcId=vpc_id, NetworkAclName="edge")["NetworkAcl"]
    assert acl["NetworkAclType"] == "TRIPLE" and acl["NetworkAclId"].startswith("acl-")
    assert (shapes(acl["IngressEntries"]), shapes(acl["EgressEntries"]), acl["SubnetSet"]) == (
        DEFAULTS, DEFAULTS, [])
    assert {e["NetworkAclIpv4EntryId"] + e["NetworkAclIpv6EntryId"] for e in acl["IngressEntries"]} == {""}
    five = vpc("CreateNetworkAcl", VpcId=vpc_id, NetworkAclName="q", NetworkAclType="QUINTUPLE")["NetworkAcl"]
    assert (five["IngressEntries"], five["EgressEntries"]) == ([], [])
    assert error_code(lambda: vpc("CreateNetworkAcl", VpcId="vpc-00000000", NetworkAclName="x")) \
        == "ResourceNotFound"


def test_acl_entries_modify_and_append(vpc: Api) -> None:
    acl_id = vpc("CreateNetworkAcl", VpcId=new_vpc(vpc), NetworkAclName="edge")["NetworkAcl"]["NetworkAclId"]

    def described() -> dict[str, Any]:
        return vpc("DescribeNetworkAcls", NetworkAclIds=[acl_id])["NetworkAclSet"][0]

    vpc("ModifyNetworkAclEntries", NetworkAclId=acl_id, NetworkAclEntrySet={
        "Ingress": [entry(), entry(port="", protocol="ALL", action="DROP", cidr="0.0.0.0/0")],
        "Egress": [entry(port="49152-65535")]})
    acl = described()
    assert [(e["Protocol"], e["Port"], e["Action"], e["Priority"]) for e in acl["IngressEntries"]] == [
        ("tcp", "3389", "Accept", 1), ("all", "", "Drop", 2),
        ("all", "", "Drop", 3), ("all", "", "Accept", 4)]
    assert shapes(acl["IngressEntries"][2:]) == shapes(acl["EgressEntries"][1:]) == DEFAULTS
    assert acl["IngressEntries"][0]["NetworkAclIpv4EntryId"].startswith("acli43-")
    assert acl["IngressEntries"][0]["NetworkAclIpv6EntryId"] == ""

    # only Ingress given: Egress stays as it was
    vpc("ModifyNetworkAclEntries", NetworkAclId=acl_id, NetworkAclEntrySet={"Ingress": [entry(port="3390")]})
    acl = described()
    assert [e["Port"] for e in acl["IngressEntries"]] == ["3390", "", ""]
    assert [e["Port"] for e in acl["EgressEntries"]] == ["49152-65535", "", ""]

    vpc("CreateNetworkAclEntries", NetworkAclId=acl_id, NetworkAclEntrySet={
        "Ingress": [entry(port="ALL", protocol="udp"), {"Protocol": "ALL", "Ipv6CidrBlock": "::/0",
                                                        "Action": "ACCEPT"}]})
    ingress = described()["IngressEntries"]  # appended entries go above the default rules
    assert [(e["Protocol"], e["Port"], e["Priority"]) for e in ingress] == [
        ("tcp", "3390", 1), ("udp", "ALL", 2), ("all", "", 3), ("all", "", 4), ("all", "", 5)]
    assert shapes(ingress[3:]) == DEFAULTS
    assert ingress[2]["NetworkAclIpv6EntryId"].startswith("acli63-")

    # in-place update of one entry by its id
    entry_id = ingress[0]["NetworkAclIpv4EntryId"]
    vpc("ModifyNetworkAclEntries", NetworkAclId=acl_id, EnableUpdateAclEntries=True, NetworkAclEntrySet={
        "Ingress": [entry(port="3389", action="DROP", NetworkAclIpv4EntryId=entry_id)]})
    first = described()["IngressEntries"][0]
    assert (first["Port"], first["Action"], first["NetworkAclIpv4EntryId"]) == ("3389", "Drop", entry_id)


def test_quintuple_entries_insert_modify_delete_and_reset(vpc: Api) -> None:
    """Create inserts at a given Priority, Modify keeps an entry's id and Priority, Delete renumbers,
    ModifyNetworkAclEntries resets only the direction it names; a bad entry changes nothing."""
    acl_id = vpc("CreateNetworkAcl", VpcId=new_vpc(vpc), NetworkAclName="q",
                 NetworkAclType="QUINTUPLE")["NetworkAcl"]["NetworkAclId"]

    def rule(port: str, **extra: Any) -> dict[str, Any]:
        return {"Protocol": "TCP", "SourceCidr": "203.0.113.0/24", "DestinationPort": port,
                "Action": "ACCEPT", **extra}

    def listed() -> list[tuple[str, str, int]]:
        got = vpc("DescribeNetworkAclQuintupleEntries", NetworkAclId=acl_id)["NetworkAclQuintupleSet"]
        return [(e["NetworkAclDirection"], e["DestinationPort"], e["Priority"]) for e in got]

    vpc("CreateNetworkAclQuintupleEntries", NetworkAclId=acl_id, NetworkAclQuintupleSet={
        "Ingress": [rule("3389"), rule("22")], "Egress": [rule("49152-65535")]})
    vpc("CreateNetworkAclQuintupleEntries", NetworkAclId=acl_id,
        NetworkAclQuintupleSet={"Ingress": [rule("443", Priority=1)]})
    assert listed() == [("INGRESS", "443", 1), ("INGRESS", "3389", 2), ("INGRESS", "22", 3),
                        ("EGRESS", "49152-65535", 1)]
    ids = [e["NetworkAclQuintupleEntryId"]
           for e in vpc("DescribeNetworkAclQuintupleEntries", NetworkAclId=acl_id)["NetworkAclQuintupleSet"]]
    vpc("ModifyNetworkAclQuintupleEntries", NetworkAclId=acl_id, NetworkAclQuintupleSet={
        "Ingress": [rule("3390", NetworkAclQuintupleEntryId=ids[1])]})
    vpc("DeleteNetworkAclQuintupleEntries", NetworkAclId=acl_id, NetworkAclQuintupleSet={
        "Ingress": [{"NetworkAclQuintupleEntryId": ids[0]}]})
    assert listed() == [("INGRESS", "3390", 1), ("INGRESS", "22", 2), ("EGRESS", "49152-65535", 1)]
    bad = {"Ingress": [rule("80"), rule("81", Action="PERMIT")]}
    assert error_code(lambda: vpc("CreateNetworkAclQuintupleEntries", NetworkAclId=acl_id,
                                  NetworkAclQuintupleSet=bad)) == "InvalidParameterValue.Range"
    assert error_code(lambda: vpc("DeleteNetworkAclQuintupleEntries", NetworkAclId=acl_id,
                                  NetworkAclQuintupleSet={"Ingress": [{}]})) == "MissingParameter"
    vpc("ModifyNetworkAclEntries", NetworkAclId=acl_id, NetworkAclQuintupleSet={"Ingress": []})
    assert listed() == [("EGRESS", "49152-65535", 1)]
    vpc("ModifyNetworkAclEntries", NetworkAclId=acl_id, NetworkAclQuintupleSet={"Ingress": [rule("3389")]})
    assert listed() == [("INGRESS", "3389", 1), ("EGRESS", "49152-65535", 1)]


@pytest.mark.parametrize(("bad", "code"), [
    (entry(port="3389", protocol="ALL"), "InvalidParameter.Coexist"),
    (entry(port="3389,3390"), "InvalidParameterValue.Malformed"),
    (entry(port="0"), "InvalidParameterValue.Range"),
    (entry(cidr="203.0.113.0/40"), "InvalidParameterValue.Malformed"),
    (entry(action="PERMIT"), "InvalidParameterValue.Range"),
    (entry(protocol="GRE"), "InvalidParameterValue.Range"),
    ({"Protocol": "TCP", "Port": "3389", "Action": "ACCEPT"}, "InvalidParameterValue.Empty"),
    (entry(Ipv6CidrBlock="::/0"), "InvalidParameter.Coexist"),
    ({"Port": "3389", "CidrBlock": "10.0.0.0/8", "Action": "ACCEPT"}, "MissingParameter"),
])
def test_invalid_acl_entries_change_nothing(vpc: Api, bad: dict[str, Any], code: str) -> None:
    acl_id = vpc("CreateNetworkAcl", VpcId=new_vpc(vpc), NetworkAclName="edge")["NetworkAcl"]["NetworkAclId"]
    vpc("ModifyNetworkAclEntries", NetworkAclId=acl_id, NetworkAclEntrySet={"Ingress": [entry()]})
    assert error_code(lambda: vpc("ModifyNetworkAclEntries", NetworkAclId=acl_id,
                                  NetworkAclEntrySet={"Ingress": [entry(port="22"), bad]})) == code
    ports = [e["Port"] for e in vpc("DescribeNetworkAcls", NetworkAclIds=[acl_id])["NetworkAclSet"][0]
             ["IngressEntries"]]
    assert ports == ["3389", "", ""]  # its entry, then the default rules


def test_acl_subnet_association_lifecycle(vpc: Api) -> None:
    vpc_id = new_vpc(vpc)
    subnet, other_subnet = new_subnet(vpc, vpc_id, "10.0.1.0/24"), new_subnet(vpc, vpc_id, "10.0.2.0/24")
    acl_id = vpc("CreateNetworkAcl", VpcId=vpc_id, NetworkAclName="edge")["NetworkAcl"]["NetworkAclId"]

    vpc("AssociateNetworkAclSubnets", NetworkAclId=acl_id, SubnetIds=[subnet])
    assert vpc("DescribeSubnets", SubnetIds=[subnet])["SubnetSet"][0]["NetworkAclId"] == acl_id
    assert vpc("DescribeSubnets", SubnetIds=[other_subnet])["SubnetSet"][0]["NetworkAclId"] == ""
    acl = vpc("DescribeNetworkAcls", NetworkAclIds=[acl_id])["NetworkAclSet"][0]
    assert [s["SubnetId"] for s in acl["SubnetSet"]] == [subnet]

    assert error_code(lambda: vpc("DeleteNetworkAcl", NetworkAclId=acl_id)) == "ResourceInUse"
    assert error_code(lambda: vpc("DisassociateNetworkAclSubnets", NetworkAclId=acl_id,
                                  SubnetIds=[other_subnet])) == "UnsupportedOperation.AttachmentNotFound"
    vpc("DisassociateNetworkAclSubnets", NetworkAclId=acl_id, SubnetIds=[subnet])
    assert vpc("DescribeSubnets", SubnetIds=[subnet])["SubnetSet"][0]["NetworkAclId"] == ""

    vpc("DeleteNetworkAcl", NetworkAclId=acl_id)
    assert error_code(lambda: vpc("DescribeNetworkAcls", NetworkAclIds=[acl_id])) == "ResourceNotFound"

    foreign = new_subnet(vpc, new_vpc(vpc, "10.1.0.0/16"), "10.1.0.0/24")
    acl_id = vpc("CreateNetworkAcl", VpcId=vpc_id, NetworkAclName="edge")["NetworkAcl"]["NetworkAclId"]
    assert error_code(lambda: vpc("AssociateNetworkAclSubnets", NetworkAclId=acl_id, SubnetIds=[foreign])) \
        == "InvalidParameterValue.Range"


def test_describe_network_acls_filters_and_paging(vpc: Api) -> None:
    first, second = new_vpc(vpc), new_vpc(vpc, "10.1.0.0/16")
    ids = [vpc("CreateNetworkAcl", VpcId=first, NetworkAclName=f"a{i}")["NetworkAcl"]["NetworkAclId"]
           for i in range(3)]
    vpc("CreateNetworkAcl", VpcId=second, NetworkAclName="b")

    page = vpc("DescribeNetworkAcls", Filters=[{"Name": "vpc-id", "Values": [first]}], Offset=1, Limit=1)
    assert page["TotalCount"] == 3 and [a["NetworkAclId"] for a in page["NetworkAclSet"]] == [ids[1]]
    named = vpc("DescribeNetworkAcls", Filters=[{"Name": "network-acl-name", "Values": ["a2", "b"]}])
    assert named["TotalCount"] == 2
    by_id = vpc("DescribeNetworkAcls", Filters=[{"Name": "network-acl-id", "Values": [ids[0]]}])
    assert by_id["NetworkAclSet"][0]["NetworkAclName"] == "a0"
    assert error_code(lambda: vpc("DescribeNetworkAcls", NetworkAclIds=ids, Filters=[
        {"Name": "vpc-id", "Values": [first]}])) == "InvalidParameter.Coexist"


# -- address templates -------------------------------------------------------------------------


def test_address_templates_and_groups(vpc: Api) -> None:
    tpl = vpc("CreateAddressTemplate", AddressTemplateName="admins",
              Addresses=["203.0.113.0/24", "198.51.100.10", "192.0.2.1-192.0.2.9"])["AddressTemplate"]
    assert tpl["AddressSet"] == ["203.0.113.0/24", "198.51.100.10", "192.0.2.1-192.0.2.9"]
    extra = vpc("CreateAddressTemplate", AddressTemplateName="ops",
                AddressesExtra=[{"Address": "10.0.0.1", "Description": "bastion"}])["AddressTemplate"]
    assert extra["AddressExtraSet"][0]["Description"] == "bastion"

    listed = vpc("DescribeAddressTemplates",
                 Filters=[{"Name": "address-template-id", "Values": [tpl["AddressTemplateId"]]}])
    assert listed["TotalCount"] == 1 and listed["AddressTemplateSet"][0]["AddressTemplateName"] == "admins"
    assert vpc("DescribeAddressTemplates", Filters=[{"Name": "address-ip", "Values": ["10.0.0.1"]}])[
        "AddressTemplateSet"][0]["AddressTemplateId"] == extra["AddressTemplateId"]
    assert vpc("DescribeAddressTemplates", Limit="1")["TotalCount"] == 2

    members = [tpl["AddressTemplateId"], extra["AddressTemplateId"]]
    group = vpc("CreateAddressTemplateGroup", AddressTemplateGroupName="people",
                AddressTemplateIds=members)["AddressTemplateGroup"]
    groups = vpc("DescribeAddressTemplateGroups",
                 Filters=[{"Name": "address-template-group-name", "Values": ["people"]}])
    assert groups["AddressTemplateGroupSet"][0]["AddressTemplateIdSet"] == [tpl["AddressTemplateId"],
                                                                            extra["AddressTemplateId"]]
    assert groups["AddressTemplateGroupSet"][0]["AddressTemplateGroupId"] == group["AddressTemplateGroupId"]

    assert error_code(lambda: vpc("CreateAddressTemplate", AddressTemplateName="bad",
                                  Addresses=["10.0.0.300"])) == "InvalidParameterValue.Malformed"
    assert error_code(lambda: vpc("CreateAddressTemplate", AddressTemplateName="empty")) == "MissingParameter"
    assert error_code(lambda: vpc("CreateAddressTemplateGroup", AddressTemplateGroupName="g",
                                  AddressTemplateIds=["ipm-00000000"])) == "ResourceNotFound"


# -- used IPs ----------------------------------------------------------------------------------


def test_describe_used_ip_address_reports_held_addresses(vpc: Api, emulator: Any) -> None:
    vpc_id = new_vpc(vpc)
    subnet = new_subnet(vpc, vpc_id, "10.0.1.0/24")
    assert vpc("DescribeUsedIpAddress", VpcId=vpc_id, SubnetId=subnet)["IpAddressStates"] == []

    backend = emulator.world.region(DEFAULT_REGION).vpc  # stands in for CVM placing an instance
    with emulator.world.lock:
        ip = backend.allocate_private_ip(subnet, "ins-abcdefgh")
    used = vpc("DescribeUsedIpAddress", VpcId=vpc_id, IpAddresses=[ip])
    assert used["IpAddressStates"] == [{"VpcId": vpc_id, "SubnetId": subnet, "IpAddress": ip,
                                        "ResourceType": "CVM", "ResourceId": "ins-abcdefgh"}]
    assert vpc("DescribeSubnets", SubnetIds=[subnet])["SubnetSet"][0]["AvailableIpAddressCount"] == 252

    with emulator.world.lock:
        backend.release_private_ips("ins-abcdefgh")
    assert vpc("DescribeUsedIpAddress", VpcId=vpc_id, IpAddresses=[ip])["TotalCount"] == 0
    assert error_code(lambda: vpc("DescribeUsedIpAddress", VpcId="vpc-00000000")) == "ResourceNotFound"


def test_used_ips_include_instances_and_clear_after_termination(vpc: Api, emulator: Any) -> None:
    """The provider's instance delete polls DescribeUsedIpAddress until the instance's IP is free."""
    cvm = emulator.client(cvm_client.CvmClient)
    vpc_id = new_vpc(vpc)
    subnet = new_subnet(vpc, vpc_id, "10.0.1.0/24")
    sg = vpc("CreateSecurityGroup", GroupName="g", GroupDescription="d")["SecurityGroup"]["SecurityGroupId"]
    image = cvm.DescribeImages(cvm_models.DescribeImagesRequest()).ImageSet[0].ImageId
    run = cvm_models.RunInstancesRequest()
    run.from_json_string(json.dumps({"Placement": {"Zone": ZONE}, "ImageId": image, "SecurityGroupIds": [sg],
                                     "VirtualPrivateCloud": {"VpcId": vpc_id, "SubnetId": subnet}}))
    (instance,) = cvm.RunInstances(run).InstanceIdSet
    describe = cvm_models.DescribeInstancesRequest()
    describe.InstanceIds = [instance]
    (ip,) = cvm.DescribeInstances(describe).InstanceSet[0].PrivateIpAddresses

    used = vpc("DescribeUsedIpAddress", VpcId=vpc_id, SubnetId=subnet, IpAddresses=[ip])["IpAddressStates"]
    assert [(u["IpAddress"], u["ResourceType"], u["ResourceId"]) for u in used] == [(ip, "CVM", instance)]
    assert vpc("DescribeSubnets", SubnetIds=[subnet])["SubnetSet"][0]["AvailableIpAddressCount"] == 252

    emulator.advance(60)  # let it finish PENDING -> RUNNING
    terminate = cvm_models.TerminateInstancesRequest()
    terminate.InstanceIds = [instance]
    cvm.TerminateInstances(terminate)
    emulator.advance(60)
    assert cvm.DescribeInstances(describe).TotalCount == 0
    after = vpc("DescribeUsedIpAddress", VpcId=vpc_id, SubnetId=subnet, IpAddresses=[ip])
    assert after["IpAddressStates"] == [] and after["TotalCount"] == 0


# -- persistence -------------------------------------------------------------------------------


def test_snapshot_restore_round_trips_every_resource(vpc: Api, emulator: Any) -> None:
    vpc_id = new_vpc(vpc)
    subnet = new_subnet(vpc, vpc_id, "10.0.1.0/24")
    sg = vpc("CreateSecurityGroup", GroupName="rdp", GroupDescription="d")["SecurityGroup"]["SecurityGroupId"]
    tpl = vpc("CreateAddressTemplate", AddressTemplateName="t", Addresses=["10.0.0.1"])["AddressTemplate"]
    vpc("CreateAddressTemplateGroup", AddressTemplateGroupName="g",
        AddressTemplateIds=[tpl["AddressTemplateId"]])
    vpc("CreateSecurityGroupPolicies", SecurityGroupId=sg, SecurityGroupPolicySet={"Ingress": [
        {"Protocol": "TCP", "Port": "3389", "CidrBlock": "203.0.113.0/24", "Action": "ACCEPT"},
        {"Protocol": "TCP", "Port": "3389", "AddressTemplate": {"AddressId": tpl["AddressTemplateId"]},
         "Action": "DROP"}]})
    acl = vpc("CreateNetworkAcl", VpcId=vpc_id, NetworkAclName="edge")["NetworkAcl"]["NetworkAclId"]
    vpc("ModifyNetworkAclEntries", NetworkAclId=acl, NetworkAclEntrySet={"Ingress": [entry()]})
    vpc("AssociateNetworkAclSubnets", NetworkAclId=acl, SubnetIds=[subnet])

    original = emulator.world.region(DEFAULT_REGION)
    with emulator.world.lock:
        data = json.loads(json.dumps(original.vpc.snapshot()))
    restored = World().region(DEFAULT_REGION)
    restored.vpc.restore(data)
    assert restored.vpc.snapshot() == data

    reads = [("DescribeVpcs", {}), ("DescribeSubnets", {}), ("DescribeSecurityGroups", {}),
             ("DescribeSecurityGroupPolicies", {"SecurityGroupId": sg}), ("DescribeNetworkAcls", {}),
             ("DescribeAddressTemplates", {}), ("DescribeAddressTemplateGroups", {})]
    for action, params in reads:
        handler = resolve("vpc", "2017-03-12", action)
        with emulator.world.lock:
            before = handler(original, params)
        assert handler(restored, params) == before, action
