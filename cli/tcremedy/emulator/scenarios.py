"""Scenarios: YAML descriptions of a small cloud, built through the public API's own handlers.

The loader calls the registered action handlers (``dispatch.resolve(service, version, action)``)
with wire-form parameters, exactly as a client would (CreateVpc, CreateSubnet,
CreateSecurityGroup, CreateSecurityGroupPolicies, CreateNetworkAcl, ModifyNetworkAclEntries,
AssociateNetworkAclSubnets, RunInstances, StopInstances, ResetInstancesInternetMaxBandwidth,
ResetInstancesPassword). Only facts no API can set (guest, load, isolation, a failing password
reset) go through CVM backend control methods. The format is documented in
``tcremedy/emulator/README.md``; shipped scenarios live in ``tcremedy/emulator/scenarios/``.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tcremedy.diagnose.findings import CAUSAL_ORDER
from tcremedy.emulator.core.dispatch import load_services, resolve
from tcremedy.emulator.core.errors import ApiError
from tcremedy.emulator.core.world import RegionState, World
from tcremedy.emulator.defaults import DEFAULT_FLEET_SIZE, MAX_FLEET_SIZE
from tcremedy.emulator.services.cvm import images
from tcremedy.errors import TcremedyError

VERSIONS = {"vpc": "2017-03-12", "cvm": "2017-03-12"}
ADMIN_CIDRS = ("203.0.113.0/24", "198.51.100.10/32")  # the default policy's admin CIDRs
TOP_KEYS = {
    "name",
    "description",
    "expect",
    "vpcs",
    "security_groups",
    "network_acls",
    "instances",
    "generator",
    "fleet",
    "operator_ip",
}
FLEET_OPTION_KEYS = {"causes", "healthy_share"}
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


def default_operator_ip() -> str:
    """The first address of the first admin range: where the operator sits unless a scenario says."""
    net = ipaddress.ip_network(ADMIN_CIDRS[0], strict=False)
    return str(next(iter(net.hosts()), net.network_address))


def _operator_ip(source: str, raw: Any) -> str | None:
    if raw is None:
        return None
    try:
        return str(ipaddress.ip_address(str(raw)))
    except ValueError:
        raise ScenarioError(f"{source}: operator_ip: {raw!r} is not an IP address") from None


class ScenarioError(TcremedyError):
    """A scenario is unknown, malformed, or could not be built; the message names file and field."""


@dataclass(frozen=True)
class LoadedScenario:
    name: str
    expect: dict[str, Any]
    instances: dict[str, str | None]  # instance id -> expected root cause (None = healthy / ignored)


def shipped() -> list[str]:
    """Names of the scenarios shipped with the package."""
    folder = resources.files("tcremedy.emulator").joinpath("scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read(ref: str) -> tuple[str, dict[str, Any]]:
    """Resolve a scenario name or YAML path to (source label, parsed document)."""
    path = Path(ref)
    if ref.endswith((".yaml", ".yml")) or path.exists():
        source, text = str(path), _read_file(path)
    else:
        resource = resources.files("tcremedy.emulator").joinpath("scenarios", f"{ref}.yaml")
        if not resource.is_file():
            raise ScenarioError(
                f"unknown scenario {ref!r}; expected a file path or one of: {', '.join(shipped())}"
            )
        source, text = f"scenarios/{ref}.yaml", resource.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{source}:{where} invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(doc, dict):
        raise ScenarioError(f"{source}: expected a mapping with keys {sorted(TOP_KEYS)}")
    unknown = set(doc) - TOP_KEYS
    if unknown:
        raise ScenarioError(
            f"{source}: unknown top-level key(s) {sorted(unknown)}; expected {sorted(TOP_KEYS)}"
        )
    return source, doc


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario file ({exc.strerror})") from None


def load(world: World, ref: str, *, region: str, fleet_size: int = DEFAULT_FLEET_SIZE) -> LoadedScenario:
    """Build scenario ``ref`` into ``world`` (which should be empty) and record it in ``world.meta``."""
    load_services()
    source, doc = read(ref)
    is_fleet = doc.get("generator") == "fleet"
    if is_fleet:
        doc = {
            **fleet_spec(fleet_size, seed=world.seed, **_fleet_options(source, doc.get("fleet"))),
            **{k: v for k, v in doc.items() if k not in ("generator", "fleet")},
        }
    elif "generator" in doc:
        raise ScenarioError(f"{source}: generator: unknown generator {doc['generator']!r}; expected 'fleet'")
    builder = _Builder(world.region(region), source)
    cvm = world.region(region).cvm
    with world.lock:
        cvm.network_cache = {}
        try:
            built = builder.build(doc)
        finally:
            cvm.network_cache = None
    name = str(doc.get("name") or Path(source).stem)
    expect = _expect(source, doc.get("expect"), "expect")
    world.meta = {
        "scenario": name,
        "scenario_ref": ref,
        "expect": expect,
        "instances": built,
        "fleet_size": fleet_size if is_fleet else None,
        "operator_ip": _operator_ip(source, doc.get("operator_ip")),
    }
    return LoadedScenario(name, expect, built)


def is_generated(name: str) -> bool:
    """True for scenarios built by a generator (a fleet), which carry no single expected cause."""
    return "generator" in read(name)[1]


def _fleet_options(source: str, raw: Any) -> dict[str, Any]:
    """The optional ``fleet:`` block: ``causes`` (cycled in order) and ``healthy_share``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - FLEET_OPTION_KEYS:
        raise ScenarioError(f"{source}: fleet: expected a mapping with keys {sorted(FLEET_OPTION_KEYS)}")
    known = {cause for cause, _ in FLEET_CAUSES}
    causes = raw.get("causes")
    if causes is not None and (not isinstance(causes, list) or not causes or set(causes) - known):
        raise ScenarioError(f"{source}: fleet.causes: expected a non-empty list of {sorted(known)}")
    share = raw.get("healthy_share", HEALTHY_SHARE)
    if not isinstance(share, (int, float)) or not 0 <= share < 1:
        raise ScenarioError(f"{source}: fleet.healthy_share: expected a number in [0, 1), got {share!r}")
    return {"causes": tuple(causes) if causes else None, "healthy_share": float(share)}


def _expect(source: str, raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {"root_cause": None}
    if not isinstance(raw, dict) or "root_cause" not in raw:
        raise ScenarioError(
            f"{source}: {where}: expected a mapping with `root_cause` (a finding code or null)"
        )
    code = raw["root_cause"]
    if code is not None and code not in CAUSAL_ORDER:
        raise ScenarioError(f"{source}: {where}.root_cause: unknown finding code {code!r}")
    unknown = [c for c in raw.get("unknown") or [] if c not in CAUSAL_ORDER]
    if unknown:
        raise ScenarioError(f"{source}: {where}.unknown: unknown finding code(s) {unknown}")
    return dict(raw)


class _Builder:
    """Turns a scenario document into API calls against one region."""

    def __init__(self, region: RegionState, source: str) -> None:
        self.region = region
        self.source = source
        self.subnets: dict[str, tuple[str, str, str]] = {}  # name -> (subnet id, vpc id, zone)
        self.vpcs: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.acls: dict[str, str] = {}

    def fail(self, where: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {where}: {message}")

    def call(self, service: str, action: str, params: dict[str, Any], where: str) -> dict[str, Any]:
        try:
            return resolve(service, VERSIONS[service], action)(self.region, params)
        except ApiError as exc:
            raise self.fail(where, f"{action} failed: {exc.code}: {exc.message}") from None

    def build(self, doc: dict[str, Any]) -> dict[str, str | None]:
        for i, vpc in enumerate(_list(self, doc, "vpcs")):
            self.vpc(vpc, f"vpcs[{i}]")
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
                _expect(self.source, inst["expect"], f"{where}.expect")["root_cause"]
                if "expect" in inst
                else root
            )
            expected[iid] = cause
        self.region.cvm.complete_transitions()
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
        unknown = set(spec) - {"protocol", "port", "cidr", "action", "description"}
        if unknown:
            raise self.fail(where, f"unknown key(s) {sorted(unknown)}; expected protocol, port, cidr, action")
        rule = {
            "Protocol": str(spec.get("protocol", "TCP")),
            "CidrBlock": _str(self, spec, "cidr", where),
            "Action": _str(self, spec, "action", where),
        }
        if rule["Protocol"].upper() not in ("ALL", "ICMP"):
            rule["Port"] = str(spec.get("port", "ALL"))
        elif description_key == "PolicyDescription":
            rule["Port"] = "ALL"
        if spec.get("description"):
            rule[description_key] = str(spec["description"])
        return rule

    def network_acl(self, spec: dict[str, Any], where: str) -> None:
        name = _str(self, spec, "name", where)
        vpc_name = _str(self, spec, "vpc", where)
        if vpc_name not in self.vpcs:
            raise self.fail(f"{where}.vpc", f"unknown VPC {vpc_name!r}; defined: {sorted(self.vpcs)}")
        made = self.call(
            "vpc", "CreateNetworkAcl", {"VpcId": self.vpcs[vpc_name], "NetworkAclName": name}, where
        )
        acl_id = made["NetworkAcl"]["NetworkAclId"]
        self.acls[name] = acl_id
        entries = {
            d.capitalize(): [
                self.rule(r, f"{where}.{d}[{k}]", "Description") for k, r in enumerate(_list(self, spec, d))
            ]
            for d in ("ingress", "egress")
        }
        self.call(
            "vpc", "ModifyNetworkAclEntries", {"NetworkAclId": acl_id, "NetworkAclEntrySet": entries}, where
        )
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
        cvm.complete_transitions()
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
            cvm.complete_transitions()
        elif spec.get("password_reset") is not None:
            raise self.fail(f"{where}.password_reset", "expected 'failed' (or leave it out)")
        state = spec.get("state", "RUNNING")
        if state == "STOPPED":
            self.call("cvm", "StopInstances", {"InstanceIds": [iid]}, where)
            cvm.complete_transitions()
        elif state != "RUNNING":
            raise self.fail(f"{where}.state", f"expected RUNNING or STOPPED, got {state!r}")
        return iid


def _list(b: _Builder, spec: dict[str, Any], key: str) -> list[Any]:
    value = spec.get(key) or []
    if not isinstance(value, list):
        raise b.fail(key, "expected a list")
    return value


def _str(b: _Builder, spec: dict[str, Any], key: str, where: str) -> str:
    value = spec.get(key) if isinstance(spec, dict) else None
    if value is None or value == "":
        raise b.fail(f"{where}.{key}", "required")
    return str(value)


# -- the fleet generator ------------------------------------------------------------------------

FLEET_CAUSES: tuple[tuple[str, float], ...] = (  # broken Windows instances: cause and weight
    ("SG_BLOCKS_RDP", 3),
    ("ACL_BLOCKS_RDP", 1),
    ("INSTANCE_NOT_RUNNING", 2),
    ("NO_PUBLIC_IP", 1),
    ("BANDWIDTH_ZERO", 1),
    ("BANDWIDTH_SATURATED", 1),
    ("CPU_SATURATED", 1),
    ("GUEST_RDP_DISABLED", 1),
    ("GUEST_RDP_PORT_CHANGED", 1),
    ("GUEST_FIREWALL_BLOCKS_RDP", 1),
    ("CREDSSP_MISMATCH", 1),
    ("INSTANCE_ISOLATED", 1),
    ("PASSWORD_RESET_FAILED", 1),
)
HEALTHY_SHARE = 0.6
SUBNET_HOSTS = 4000  # instances per /20 application subnet


def fleet_spec(
    size: int, *, seed: int, causes: tuple[str, ...] | None = None, healthy_share: float = HEALTHY_SHARE
) -> dict[str, Any]:
    """A mixed fleet: ~60 % healthy Windows, the rest broken by one seeded cause each, plus Linux.

    With ``causes``, the broken instances take those causes in turn (every cause appears once the
    fleet is large enough) instead of a seeded weighted draw.
    """
    if not 1 <= size <= MAX_FLEET_SIZE:
        raise ScenarioError(f"--fleet-size must be within [1, {MAX_FLEET_SIZE}], got {size}")
    rng = random.Random(seed)
    linux = min(max(3, size // 50), size - 1) if size > 1 else 0
    app_subnets = [
        {"name": f"app-{k + 1}", "cidr": f"10.0.{16 * k}.0/20", "zone": f"ap-guangzhou-{3 + k % 4}"}
        for k in range(size // SUBNET_HOSTS + 1)
    ]
    subnets = [*app_subnets, {"name": "blocked", "cidr": "10.0.240.0/20", "zone": "ap-guangzhou-3"}]
    admin = [{"protocol": "TCP", "port": "3389", "cidr": c, "action": "ACCEPT"} for c in ADMIN_CIDRS]
    any_out = [{"protocol": "ALL", "cidr": "0.0.0.0/0", "action": "ACCEPT"}]
    groups = [
        {"name": "fleet-rdp-admin", "ingress": admin, "egress": any_out},
        {
            "name": "fleet-web-only",
            "ingress": [{"protocol": "TCP", "port": "80,443", "cidr": "0.0.0.0/0", "action": "ACCEPT"}],
            "egress": any_out,
        },
        {
            "name": "fleet-ssh-admin",
            "ingress": [{"protocol": "TCP", "port": "22", "cidr": ADMIN_CIDRS[0], "action": "ACCEPT"}],
            "egress": any_out,
        },
    ]
    acl = {
        "name": "fleet-blocked",
        "vpc": "fleet",
        "subnets": ["blocked"],
        "ingress": [
            {"protocol": "TCP", "port": "3389", "cidr": "0.0.0.0/0", "action": "DROP"},
            {"protocol": "ALL", "cidr": "0.0.0.0/0", "action": "ACCEPT"},
        ],
        "egress": [{"protocol": "ALL", "cidr": "0.0.0.0/0", "action": "ACCEPT"}],
    }
    all_causes, weights = zip(*FLEET_CAUSES, strict=True)
    cycle = _cause_cycle(causes, healthy_share) if causes else None
    instances = []
    for n in range(size):
        app = app_subnets[n // SUBNET_HOSTS]["name"]
        if n >= size - linux:
            instances.append(
                {
                    "name": f"lnx-{n + 1:05d}",
                    "image": "linux",
                    "subnet": app,
                    "security_groups": ["fleet-ssh-admin"],
                    "expect": {"root_cause": None},
                }
            )
            continue
        if cycle is not None:
            cause = cycle[n % len(cycle)]
        else:
            cause = None if rng.random() < healthy_share else rng.choices(all_causes, weights)[0]
        inst: dict[str, Any] = {
            "name": f"win-{n + 1:05d}",
            "image": "windows",
            "subnet": app,
            "security_groups": ["fleet-rdp-admin"],
            "bandwidth": rng.choice((5, 10, 20)),
            "load": {
                "CpuUsage": round(rng.uniform(5, 45), 1),
                "MemUsage": round(rng.uniform(20, 60), 1),
                "WanOuttraffic": 0.5,
            },
            "expect": {"root_cause": cause},
        }
        _break(inst, cause)
        instances.append(inst)
    return {
        "name": "fleet",
        "vpcs": [{"name": "fleet", "cidr": "10.0.0.0/16", "subnets": subnets}],
        "security_groups": groups,
        "network_acls": [acl],
        "instances": instances,
        "expect": {"root_cause": None, "mixed": True},
    }


def _cause_cycle(causes: tuple[str, ...], healthy_share: float) -> tuple[str | None, ...]:
    """Causes in order, with healthy slots spread between them to make up ``healthy_share``."""
    healthy = round(len(causes) * healthy_share / (1 - healthy_share))
    out: list[str | None] = []
    for k, cause in enumerate(causes):
        out.append(cause)
        out.extend([None] * (healthy * (k + 1) // len(causes) - healthy * k // len(causes)))
    return tuple(out)


def _break(inst: dict[str, Any], cause: str | None) -> None:
    match cause:
        case "SG_BLOCKS_RDP":
            inst["security_groups"] = ["fleet-web-only"]
        case "ACL_BLOCKS_RDP":
            inst["subnet"] = "blocked"
        case "INSTANCE_NOT_RUNNING":
            inst["state"] = "STOPPED"
        case "NO_PUBLIC_IP":
            inst["public_ip"] = False
        case "BANDWIDTH_ZERO":
            inst["bandwidth"] = 0
        case "BANDWIDTH_SATURATED":
            inst["bandwidth"] = 5
            inst["load"]["WanOuttraffic"] = 4.9
        case "CPU_SATURATED":
            inst["load"]["CpuUsage"] = 97.0
        case "GUEST_RDP_DISABLED":
            inst["guest"] = {"fDenyTSConnections": 1}
        case "GUEST_RDP_PORT_CHANGED":
            inst["guest"] = {"RdpPort": 3390, "TdsPort": 3390, "FirewallAllowPorts": [3389, 3390]}
        case "GUEST_FIREWALL_BLOCKS_RDP":
            inst["guest"] = {"FirewallAllowPorts": []}
        case "CREDSSP_MISMATCH":
            inst["guest"] = {"AllowEncryptionOracle": 0}
        case "INSTANCE_ISOLATED":
            inst["restrict_state"] = "PROTECTIVELY_ISOLATED"
        case "PASSWORD_RESET_FAILED":
            inst["password_reset"] = "failed"
