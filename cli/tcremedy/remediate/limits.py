"""What the policy on disk allows a fix resource to do: the last guard against widened access.

``Limits`` is read from the policy (never from a plan file). Each fix says why one of its resources
goes beyond them (``Fix.violations``; ``fixes.resource_violations`` for any resource): a CIDR outside
the admin ranges (or the whole internet without ``allow_public_rdp``), another port, anything but
an ACCEPT of TCP, a fix not listed in ``fixes.auto``, a bandwidth above tcremedy's cap. Apply checks
every step with it after re-deriving the plan; the remediation program checks every resource it
declares; the SDK dynamic providers check their inputs again in ``check`` with the limits apply
passes through the engine's environment (``LIMITS_ENV``), so a resource that reaches the engine
some other way is refused too.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tcremedy.policy.values import is_public_cidr

LIMITS_ENV = "TCREMEDY_LIMITS"
BANDWIDTH_CAP_MBPS = 100  # saturation fixes never raise bandwidth beyond this without a human (cost)


@dataclass(frozen=True)
class Limits:
    admin_cidrs: tuple[str, ...]
    port: int
    allow_public_rdp: bool
    auto: tuple[str, ...]
    password_env: str = ""
    min_bandwidth_mbps: int = 0  # the policy's own minimum may be above tcremedy's cap

    @property
    def bandwidth_cap(self) -> int:
        return max(BANDWIDTH_CAP_MBPS, self.min_bandwidth_mbps)

    @classmethod
    def from_policy(cls, policy: Any) -> Limits:
        return cls(
            admin_cidrs=tuple(str(c) for c in policy.rdp.admin_cidrs),
            port=int(policy.rdp.port),
            allow_public_rdp=bool(policy.rdp.allow_public_rdp),
            auto=tuple(policy.fixes.auto),
            password_env=policy.fixes.password_env or "",
            min_bandwidth_mbps=int(policy.capacity.min_bandwidth_mbps),
        )

    def to_env(self) -> str:
        return json.dumps(
            {
                "admin_cidrs": list(self.admin_cidrs),
                "port": self.port,
                "allow_public_rdp": self.allow_public_rdp,
                "auto": list(self.auto),
                "password_env": self.password_env,
                "min_bandwidth_mbps": self.min_bandwidth_mbps,
            },
            sort_keys=True,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits | None:
        """The limits apply passed to the engine; None when absent or unreadable."""
        text = (os.environ if environ is None else environ).get(LIMITS_ENV)
        if not text:
            return None
        try:
            raw = json.loads(text)
            return cls(
                admin_cidrs=tuple(str(c) for c in raw["admin_cidrs"]),
                port=int(raw["port"]),
                allow_public_rdp=raw["allow_public_rdp"] is True,
                auto=tuple(str(f) for f in raw["auto"]),
                password_env=str(raw.get("password_env") or ""),
                min_bandwidth_mbps=int(raw.get("min_bandwidth_mbps") or 0),
            )
        except (ValueError, TypeError, KeyError):
            return None


def _network(text: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def whole(value: Any) -> int | None:
    """An integer input (the engine's wire carries numbers as floats); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def cidr_violation(cidr: Any, limits: Limits) -> str:
    """Why ``cidr`` may not be opened for RDP under ``limits`` ("" when it may)."""
    net = _network(cidr)
    if net is None:
        return f"source {cidr!r} is not a CIDR"
    wanted = {_network(c) for c in limits.admin_cidrs}
    if net not in wanted:
        return f"source {cidr} is not one of the policy's admin CIDRs ({', '.join(limits.admin_cidrs)})"
    if is_public_cidr(str(net)) and not limits.allow_public_rdp:
        return f"source {cidr} is the whole internet and the policy does not set allow_public_rdp"
    return ""
