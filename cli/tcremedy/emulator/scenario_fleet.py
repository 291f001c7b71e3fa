"""The fleet generator: a seeded mixed fleet (healthy Windows, one cause per broken instance,
some Linux) as a scenario document, and the ``fleet:`` options block."""

from __future__ import annotations

import random
from typing import Any

from tcremedy.emulator.defaults import MAX_FLEET_SIZE
from tcremedy.emulator.scenario_doc import ADMIN_CIDRS, ScenarioError

FLEET_OPTION_KEYS = {"causes", "healthy_share"}

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
    size: int,
    *,
    seed: int,
    causes: tuple[str, ...] | None = None,
    healthy_share: float = HEALTHY_SHARE,
    region: str = "ap-guangzhou",
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
        {"name": f"app-{k + 1}", "cidr": f"10.0.{16 * k}.0/20", "zone": f"{region}-{3 + k % 4}"}
        for k in range(size // SUBNET_HOSTS + 1)
    ]
    subnets = [*app_subnets, {"name": "blocked", "cidr": "10.0.240.0/20", "zone": f"{region}-3"}]
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


def fleet_options(source: str, raw: Any) -> dict[str, Any]:
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
