"""What the security-group rule and the ACL entry fixes share about rules: ownership and shadowing.

Both APIs describe a rule with the same words (``Protocol``, ``Port``, ``CidrBlock`` /
``Ipv6CidrBlock``, ``Action``), so one question serves both: does a DROP rule match (part of)
TCP ``ports`` from/to ``cidr``? Pure.
"""

from __future__ import annotations

import ipaddress

from tcremedy.diagnose.reachability import parse_ports

OWNED_DESCRIPTION_PREFIX = "tcremedy:"


def owned(description: str) -> bool:
    """A rule tcremedy made (only those are ever deleted). Case-insensitive: some tools upper-case it."""
    return description.strip().lower().startswith(OWNED_DESCRIPTION_PREFIX)


def drops(action: str, protocol: str, port: str, peer: str, cidr: str, ports: tuple[int, int]) -> bool:
    """A DROP rule (action, protocol, port, peer) that matches part of TCP ``ports`` with ``cidr``."""
    if action.upper() != "DROP" or protocol.upper() not in ("TCP", "ALL"):
        return False
    ranges = parse_ports("ALL" if protocol.upper() == "ALL" else port)
    if not ranges or not any(lo <= ports[1] and ports[0] <= hi for lo, hi in ranges) or not peer:
        return False
    try:
        return ipaddress.ip_network(peer, strict=False).overlaps(ipaddress.ip_network(cidr, strict=False))
    except (ValueError, TypeError):  # malformed, or IPv4 against IPv6
        return False


def port_range(text: str) -> tuple[int, int]:
    """``"3389"`` -> (3389, 3389); ``"49152-65535"`` -> (49152, 65535) (a fix's own port, well formed)."""
    ranges = parse_ports(text) or ((0, 65535),)
    return ranges[0][0], max(hi for _, hi in ranges)
