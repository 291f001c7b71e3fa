"""Reading the fields of a rule: its port text, protocol, CIDR, address-template entries and
protocol-port templates, each as intervals of the plane (``plane``), or None when malformed or
unresolvable (the caller then treats the rule as one that might match)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.plane import ALL_PORTS
from tcremedy.serde import to_data


@lru_cache(maxsize=4096)
def parse_ports(text: str) -> tuple[tuple[int, int], ...] | None:
    """``ALL``/``""`` -> everything; ``3389``; ``3389,3390``; ``3000-4000``; None if malformed.

    Memoised: a fleet repeats a few port strings thousands of times (pure, immutable result).
    """
    text = text.strip()
    if text.upper() in ("", "ALL"):
        return (ALL_PORTS,)
    out = []
    for item in text.split(","):
        lo, sep, hi = item.strip().partition("-")
        if not lo.isdigit() or (sep and not hi.strip().isdigit()):
            return None
        a, b = int(lo), int(hi) if sep else int(lo)
        if not 0 <= a <= b <= 65535:
            return None
        out.append((a, b))
    return tuple(out)


def tcp_ports(protocol: str, port: str) -> tuple[tuple[int, int], ...] | None:
    """Port ranges a rule covers for TCP; () if its protocol is not TCP/ALL; None if malformed."""
    proto = protocol.strip().upper()
    if proto == "ALL":
        return (ALL_PORTS,)
    if proto != "TCP":
        return ()
    return parse_ports(port)


def service_tcp_ports(
    state: LiveState, template_id: str, group_id: str
) -> tuple[tuple[int, int], ...] | None:
    """TCP port ranges of a protocol-port template (or template group); None if not resolvable.

    Members read ``tcp:3389`` / ``tcp: 80,443`` / ``tcp:all`` / ``udp:53`` / ``icmp``
    (CreateServiceTemplate, https://cloud.tencent.com/document/api/215/16710).
    """
    if template_id:
        ids: Iterable[str] = [template_id]
    else:
        members = state.service_template_groups.get(group_id)
        if members is None:
            return None
        ids = members
    out: list[tuple[int, int]] = []
    for tid in ids:
        services = state.service_templates.get(tid)
        if services is None:
            return None
        for service in services:
            proto, _, ports = (part.strip() for part in service.partition(":"))
            parsed = tcp_ports(proto, ports)
            if parsed is None:
                return None
            out.extend(parsed)
    return tuple(out)


@lru_cache(maxsize=4096)
def cidr_interval(text: str, version: int, *, widen_zero: bool) -> tuple[int, int] | None:
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    if net.version != version:
        return None
    if widen_zero and version == 4 and int(net.network_address) == 0:
        return (0, (1 << 32) - 1)
    return int(net.network_address), int(net.broadcast_address)


@lru_cache(maxsize=4096)
def entry_interval(entry: str) -> tuple[int, int, int] | bool | None:
    """An address-template entry (IP, CIDR or ``a-b`` range) -> (version, lo, hi); False if malformed."""
    try:
        if "-" in entry:
            lo_text, hi_text = entry.split("-", 1)
            lo, hi = ipaddress.ip_address(lo_text.strip()), ipaddress.ip_address(hi_text.strip())
            if lo.version != hi.version or int(lo) > int(hi):
                return False
            return lo.version, int(lo), int(hi)
        net = ipaddress.ip_network(entry.strip(), strict=False)
        return net.version, int(net.network_address), int(net.broadcast_address)
    except ValueError:
        return False


def compact(rule: Any) -> dict[str, Any]:
    return {k: v for k, v in to_data(rule).items() if v not in ("", None)}
