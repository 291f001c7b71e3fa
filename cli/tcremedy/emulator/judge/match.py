"""Does one concrete packet field match one rule field? (Tencent's documented rule vocabulary.)

* Ports: ``ALL`` / ``all`` / empty = every port; ``3389``; ``3389,3390`` (security groups);
  ``3000-4000``. A spec the judge cannot read matches nothing.
* Addresses: CIDR or single IP; a security-group ``CidrBlock`` of ``0.0.0.0/n`` means the whole
  IPv4 Internet (SDK ``SecurityGroupPolicy.CidrBlock``: "0.0.0.0/n 都会映射为0.0.0.0/0").
  Address-template members may also be ranges ``a-b``.
* Protocol-port template members: ``tcp:3389``, ``tcp: 80,443``, ``udp:all``, ``icmp``
  (CreateServiceTemplate, https://cloud.tencent.com/document/api/215/16710).
"""

from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def port_matches(spec: str, port: int) -> bool:
    text = (spec or "").strip()
    if text.upper() in ("", "ALL"):
        return True
    for item in text.split(","):
        low, dash, high = item.strip().partition("-")
        try:
            lo = int(low)
            hi = int(high) if dash else lo
        except ValueError:
            return False
        if lo <= port <= hi:
            return True
    return False


def port_edges(spec: str) -> list[int]:
    """Ports where ``port_matches(spec, p)`` may change value: every lo and hi + 1."""
    text = (spec or "").strip()
    if text.upper() in ("", "ALL"):
        return []
    edges = []
    for item in text.split(","):
        low, dash, high = item.strip().partition("-")
        if low.strip().isdigit() and (not dash or high.strip().isdigit()):
            edges += [int(low), int(high if dash else low) + 1]
    return edges


def in_cidr(address: Address, cidr: str, *, zero_means_all: bool = False) -> bool:
    try:
        net = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    if net.version != address.version:
        return False
    if zero_means_all and net.version == 4 and int(net.network_address) == 0:
        return True
    return address in net


def in_template_entry(address: Address, entry: str) -> bool:
    """An address-template member: IP, CIDR or an inclusive range ``a-b``."""
    if "-" in entry:
        low, high = entry.split("-", 1)
        try:
            lo, hi = ipaddress.ip_address(low.strip()), ipaddress.ip_address(high.strip())
        except ValueError:
            return False
        return lo.version == hi.version == address.version and lo <= address <= hi
    return in_cidr(address, entry)


def service_matches(member: str, protocol: str, port: int) -> bool:
    proto, _, ports = (part.strip() for part in member.partition(":"))
    if proto.upper() != protocol.upper():
        return False
    return port_matches(ports, port) if proto.upper() in ("TCP", "UDP") else True


def protocol_matches(rule_protocol: str, protocol: str) -> bool:
    return rule_protocol.strip().upper() in ("ALL", protocol.upper())
