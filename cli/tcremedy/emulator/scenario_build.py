"""Builds a scenario document into one region through the public API's own handlers.

The builder calls the registered action handlers (``dispatch.resolve(service, version, action)``)
with wire-form parameters, exactly as a client would. Only facts no API can set (guest, load,
isolation, a failing password reset) go through CVM backend control methods.
"""

from __future__ import annotations

from typing import Any

from tcremedy.emulator import scenario_network
from tcremedy.emulator.core.dispatch import resolve
from tcremedy.emulator.core.errors import ApiError
from tcremedy.emulator.core.world import RegionState
from tcremedy.emulator.scenario_doc import ScenarioError, expect_block
from tcremedy.emulator.services.cvm import images
from tcremedy.emulator.validation import validate_request

VERSIONS = {"vpc": "2017-03-12", "cvm": "2017-03-12"}
INSTANCE_KEYS = {
    "name",
    "image",
    "subnet",
    "security_groups",
    "bandwidth",
    "internet_charge_type",
    "public_ip",
    "instance_type",
    "tags",
    "state",
    "restrict_state",
    "isolated_source",
    "password_reset",
    "guest",
    "load",
    "expect",
    "user_data",
}


class Builder:
    """Turns a scenario document into API calls against one region."""

    def __init__(self, region: RegionState, source: str) -> None:
        self.region = region
        self.source = source
        self.subnets: dict[str, tuple[str, str, str]] = {}  # name -> (subnet id, vpc id, zone)
        self.vpcs: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.acls: dict[str, str] = {}
        self.templates: dict[str, str] = {}  # template name -> ppm-/ipm- id (scenario_network)

    def fail(self, where: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {where}: {message}")

    def call(self, service: str, action: str, params: dict[str, Any], where: str) -> dict[str, Any]:
        try:
            validate_request(service, action, params)  # scenario files obey the SDK models too
            return resolve(service, VERSIONS[service], action)(self.region, params)
        except ApiError as exc:
            raise self.fail(where, f"{action} failed: {exc.code}: {exc.message}") from None

    def build(self, doc: dict[str, Any]) -> dict[str, str | None]:
        for i, vpc in enumerate(_list(self, doc, "vpcs")):
            self.vpc(vpc, f"vpcs[{i}]")
        scenario_network.templates(self, doc)
        for i, sg in enumerate(_list(self, doc, "security_groups")):
            self.security_group(sg, f"security_groups[{i}]")
        for i, acl in enumerate(_list(self, doc, "network_acls")):
            self.network_acl(acl, f"network_acls[{i}]")
        expected: dict[str, str | None] = {}
        root = (doc.get("expect") or {}).get("root_cause")
        for i, inst in enumerate(_list(self, doc, "instances")):
            where = f"instances[{i}]"
            iid = self.instance(inst, where)
            cause = (
                expect_block(self.source, inst["expect"], f"{where}.expect")["root_cause"]
                if "expect" in inst
                else root
            )
            expected[iid] = cause
        self.region.cvm.complete_transitions()  # one pass: every instance in its final state
        return expected

    def vpc(self, spec: dict[str, Any], where: str) -> None:
        name = _str(self, spec, "name", where)
        out = self.call(
            "vpc", "CreateVpc", {"VpcName": name, "CidrBlock": _str(self, spec, "cidr", where)}, where
        )
        vpc_id = out["Vpc"]["VpcId"]
        self.vpcs[name] = vpc_id
        for j, sub in enumerate(_list(self, spec, "subnets")):
            swhere = f"{where}.subnets[{j}]"
            sname, zone = _str(self, sub, "name", swhere), _str(self, sub, "zone", swhere)
            made = self.call(
                "vpc",
                "CreateSubnet",
                {
                    "VpcId": vpc_id,
                    "SubnetName": sname,
                    "Zone": zone,
                    "CidrBlock": _str(self, sub, "cidr", swhere),
                },
                swhere,
            )
            self.subnets[sname] = (made["Subnet"]["SubnetId"], vpc_id, zone)

    def security_group(self, spec: dict[str, Any], where: str) -> None:
        name = _str(self, spec, "name", where)
        made = self.call(
            "vpc",
            "CreateSecurityGroup",
            {"GroupName": name, "GroupDescription": spec.get("description", name)},
            where,
        )
        sg_id = made["SecurityGroup"]["SecurityGroupId"]
        self.groups[name] = sg_id
        for direction in ("ingress", "egress"):
            rules = [
                self.rule(r, f"{where}.{direction}[{k}]", "PolicyDescription")
                for k, r in enumerate(_list(self, spec, direction))
            ]
            if rules:
                self.call(
                    "vpc",
                    "CreateSecurityGroupPolicies",
                    {"SecurityGroupId": sg_id, "SecurityGroupPolicySet": {direction.capitalize(): rules}},
                    f"{where}.{direction}",
                )

    def rule(self, spec: Any, where: str, description_key: str) -> dict[str, Any]:
        if not isinstance(spec, dict):
            raise self.fail(where, "expected a mapping with protocol, port, cidr, action")
        extras = scenario_network.TEMPLATE_KEYS if description_key == "PolicyDescription" else set()
        unknown = set(spec) - {"protocol", "port", "cidr", "action", "description"} - extras
        if unknown:
            raise self.fail(where, f"unknown key(s) {sorted(unknown)}; expected protocol, port, cidr, action")
        rule = {
            "Protocol": str(spec.get("protocol", "TCP")),
            "CidrBlock": str(spec.get("cidr", "")) if set(spec) & extras else _str(self, spec, "cidr", where),
            "Action": _str(self, spec, "action", where),
        }
        if rule["Protocol"].upper() not in ("ALL", "ICMP"):
            rule["Port"] = str(spec.get("port", "ALL"))
        elif description_key == "PolicyDescription":
            rule["Port"] = "ALL"
        if spec.get("description"):
            rule[description_key] = str(spec["description"])
        return scenario_network.rule_extras(self, spec, rule, where) if set(spec) & extras else rule

    def network_acl(self, spec: dict[str, Any], where: str) -> None:
        name = _str(self, spec, "name", where)
        vpc_name = _str(self, spec, "vpc", where)
        if vpc_name not in self.vpcs:
            raise self.fail(f"{where}.vpc", f"unknown VPC {vpc_name!r}; defined: {sorted(self.vpcs)}")
        acl_type = str(spec.get("type", "TRIPLE")).upper()
        made = self.call(
            "vpc",
            "CreateNetworkAcl",
            {"VpcId": self.vpcs[vpc_name], "NetworkAclName": name, "NetworkAclType": acl_type},
            where,
        )
        acl_id = made["NetworkAcl"]["NetworkAclId"]
        self.acls[name] = acl_id
        if acl_type == "QUINTUPLE":
            scenario_network.quintuple_entries(self, spec, acl_id, where)
        entries = {} if acl_type == "QUINTUPLE" else {
            d.capitalize(): [
                self.rule(r, f"{where}.{d}[{k}]", "Description") for k, r in enumerate(_list(self, spec, d))
            ]
            for d in ("ingress", "egress")
        }
        if entries:
            params = {"NetworkAclId": acl_id, "NetworkAclEntrySet": entries}
            self.call("vpc", "ModifyNetworkAclEntries", params, where)
        subnet_ids = []
        for sname in _list(self, spec, "subnets"):
            if sname not in self.subnets:
                raise self.fail(
                    f"{where}.subnets", f"unknown subnet {sname!r}; defined: {sorted(self.subnets)}"
                )
            subnet_ids.append(self.subnets[sname][0])
        if subnet_ids:
            self.call(
                "vpc", "AssociateNetworkAclSubnets", {"NetworkAclId": acl_id, "SubnetIds": subnet_ids}, where
            )

    def instance(self, spec: dict[str, Any], where: str) -> str:
        if not isinstance(spec, dict):
            raise self.fail(where, "expected a mapping")
        unknown = set(spec) - INSTANCE_KEYS
        if unknown:
            raise self.fail(where, f"unknown key(s) {sorted(unknown)}; expected {sorted(INSTANCE_KEYS)}")
        sname = _str(self, spec, "subnet", where)
        if sname not in self.subnets:
            raise self.fail(f"{where}.subnet", f"unknown subnet {sname!r}; defined: {sorted(self.subnets)}")
        subnet_id, vpc_id, zone = self.subnets[sname]
        groups = []
        for gname in spec.get("security_groups", []):
            if gname not in self.groups:
                raise self.fail(
                    f"{where}.security_groups", f"unknown group {gname!r}; defined: {sorted(self.groups)}"
                )
            groups.append(self.groups[gname])
        image = str(spec.get("image", "windows"))
        image_id = {"windows": images.DEFAULT_WINDOWS_IMAGE, "linux": images.DEFAULT_LINUX_IMAGE}.get(
            image, image
        )
        bandwidth = int(spec.get("bandwidth", 10))
        params: dict[str, Any] = {
            "Placement": {"Zone": zone},
            "ImageId": image_id,
            "InstanceType": str(spec.get("instance_type", "S5.MEDIUM4")),
            "VirtualPrivateCloud": {"VpcId": vpc_id, "SubnetId": subnet_id},
            "SecurityGroupIds": groups,
            "InternetAccessible": {
                "InternetChargeType": str(spec.get("internet_charge_type", "TRAFFIC_POSTPAID_BY_HOUR")),
                "InternetMaxBandwidthOut": max(bandwidth, 1) if spec.get("public_ip", True) else bandwidth,
                "PublicIpAssigned": bool(spec.get("public_ip", True)),
            },
            "InstanceName": _str(self, spec, "name", where),
        }
        if spec.get("tags"):
            params["TagSpecification"] = [
                {
                    "ResourceType": "instance",
                    "Tags": [{"Key": str(k), "Value": str(v)} for k, v in dict(spec["tags"]).items()],
                }
            ]
        if spec.get("user_data"):
            params["UserData"] = str(spec["user_data"])
        (iid,) = self.call("cvm", "RunInstances", params, where)["InstanceIdSet"]
        cvm = self.region.cvm
        cvm.complete_transitions([iid])  # RUNNING before anything else (only this one: linear build)
        if (
            spec.get("public_ip", True)
            and bandwidth != params["InternetAccessible"]["InternetMaxBandwidthOut"]
        ):
            # a public IP needs bandwidth at creation; lowering it afterwards keeps the address
            self.call(
                "cvm",
                "ResetInstancesInternetMaxBandwidth",
                {"InstanceIds": [iid], "InternetAccessible": {"InternetMaxBandwidthOut": bandwidth}},
                where,
            )
        try:
            cvm.set_guest(iid, dict(spec.get("guest") or {}))
            cvm.set_load(iid, dict(spec.get("load") or {}))
            status = {
                k: v
                for k, v in (
                    ("RestrictState", spec.get("restrict_state")),
                    ("IsolatedSource", spec.get("isolated_source")),
                )
                if v
            }
            if status:
                cvm.set_status(iid, status)
        except (ValueError, ApiError) as exc:
            raise self.fail(where, str(exc)) from None
        if not images.BY_ID[image_id].is_windows and "guest" not in spec:
            cvm.set_guest(iid, {"AgentStatus": "Online"})
        if spec.get("password_reset") == "failed":
            cvm.set_status(iid, {"FailPasswordReset": True})
            self.call(
                "cvm",
                "ResetInstancesPassword",
                {"InstanceIds": [iid], "Password": "Tcremedy-Reset#2024", "ForceStop": True},
                where,
            )
            cvm.complete_transitions([iid])
        elif spec.get("password_reset") is not None:
            raise self.fail(f"{where}.password_reset", "expected 'failed' (or leave it out)")
        state = spec.get("state", "RUNNING")
        if state == "STOPPED":
            self.call("cvm", "StopInstances", {"InstanceIds": [iid]}, where)
            cvm.complete_transitions([iid])
        elif state != "RUNNING":
            raise self.fail(f"{where}.state", f"expected RUNNING or STOPPED, got {state!r}")
        cvm.complete_transitions([iid])  # e.g. a bandwidth reset: nothing stays queued for later reads
        return iid


def _list(b: Builder, spec: dict[str, Any], key: str) -> list[Any]:
    value = spec.get(key) or []
    if not isinstance(value, list):
        raise b.fail(key, "expected a list")
    return value


def _str(b: Builder, spec: dict[str, Any], key: str, where: str) -> str:
    value = spec.get(key) if isinstance(spec, dict) else None
    if value is None or value == "":
        raise b.fail(f"{where}.{key}", "required")
    return str(value)
