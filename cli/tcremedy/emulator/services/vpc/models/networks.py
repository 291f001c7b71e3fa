"""VPCs and subnets, and the private IPs handed out inside subnets.

Rules enforced as the CreateVpc/CreateSubnet documentation states them: a VPC CIDR lies in
10.0.0.0/8 (mask 12-28), 172.16.0.0/12 (12-28) or 192.168.0.0/16 (16-28); a subnet lies inside
its VPC, has a mask of 16-28 and does not overlap another subnet of the same VPC.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tcremedy.emulator.core.errors import ApiError, InvalidParameterValue, MissingParameter
from tcremedy.emulator.services.vpc.models.common import (
    check_name,
    in_use,
    lookup,
    network,
)

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState

PRIVATE_RANGES = (
    (ipaddress.ip_network("10.0.0.0/8"), 12),
    (ipaddress.ip_network("172.16.0.0/12"), 12),
    (ipaddress.ip_network("192.168.0.0/16"), 16),
)
DEFAULT_DNS = ["183.60.83.19", "183.60.82.98"]  # Tencent's in-VPC resolvers
RESERVED_PER_SUBNET = 3  # network address, gateway (.1) and broadcast address


@dataclass
class Vpc:
    vpc_id: str
    name: str
    cidr_block: str
    created: float
    route_table_id: str
    dns_servers: list[str] = field(default_factory=lambda: list(DEFAULT_DNS))
    domain_name: str = ""
    enable_multicast: bool = False
    is_default: bool = False
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Subnet:
    subnet_id: str
    vpc_id: str
    name: str
    cidr_block: str
    zone: str
    created: float
    route_table_id: str
    network_acl_id: str = ""  # "" = no ACL bound; set by NetworkAclMixin
    is_default: bool = False
    tags: list[dict[str, str]] = field(default_factory=list)
    used_ips: dict[str, str] = field(default_factory=dict)  # ip -> resource id (e.g. ins-...)

    @property
    def total_ips(self) -> int:
        return ipaddress.ip_network(self.cidr_block).num_addresses



class NetworkMixin:
    region: RegionState
    vpcs: dict[str, Vpc]
    subnets: dict[str, Subnet]

    # -- VPC -----------------------------------------------------------------------------------
    def create_vpc(self, name: str, cidr_block: str, *, dns_servers: list[str] | None = None,
                   domain_name: str = "", enable_multicast: bool = False,
                   tags: list[dict[str, str]] | None = None) -> Vpc:
        check_name(name, "VpcName")
        net = network(cidr_block, "CidrBlock")
        if not any(net.subnet_of(space) and low <= net.prefixlen <= 28 for space, low in PRIVATE_RANGES):
            raise InvalidParameterValue(
                f"The VPC CIDR `{cidr_block}` must lie in 10.0.0.0/8 or 172.16.0.0/12 (mask 12-28) "
                "or 192.168.0.0/16 (mask 16-28).", code="InvalidParameterValue.Range")
        if dns_servers is not None and len(dns_servers) > 4:
            raise InvalidParameterValue("At most 4 DNS servers are allowed.",
                                        code="InvalidParameterValue.LimitExceeded")
        vpc = Vpc(vpc_id=self.region.new_id("vpc"), name=name, cidr_block=str(net), created=self.region.now,
                  route_table_id=self.region.new_id("rtb"),
                  dns_servers=list(dns_servers) if dns_servers else list(DEFAULT_DNS),
                  domain_name=domain_name, enable_multicast=enable_multicast, tags=list(tags or []))
        self.vpcs[vpc.vpc_id] = vpc
        return vpc

    def get_vpc(self, vpc_id: str, name: str = "VpcId") -> Vpc:
        return lookup(self.vpcs, vpc_id, "vpc", name, "VPC")

    # -- Subnet --------------------------------------------------------------------------------
    def create_subnet(self, vpc_id: str, name: str, cidr_block: str, zone: str, *,
                      tags: list[dict[str, str]] | None = None) -> Subnet:
        vpc = self.get_vpc(vpc_id)
        check_name(name, "SubnetName")
        if not zone:
            raise MissingParameter("Zone")
        net = network(cidr_block, "CidrBlock")
        if not net.subnet_of(ipaddress.ip_network(vpc.cidr_block)) or not 16 <= net.prefixlen <= 28:
            raise InvalidParameterValue(
                f"The subnet CIDR `{cidr_block}` must lie inside the VPC CIDR `{vpc.cidr_block}` "
                "with a mask of 16-28.",
                code="InvalidParameterValue.SubnetRange")
        for other in self.subnets.values():
            if other.vpc_id == vpc_id and net.overlaps(ipaddress.ip_network(other.cidr_block)):
                raise InvalidParameterValue(
                    f"The subnet CIDR `{cidr_block}` overlaps `{other.subnet_id}` ({other.cidr_block}).",
                    code="InvalidParameterValue.SubnetConflict")
        subnet = Subnet(subnet_id=self.region.new_id("subnet"), vpc_id=vpc_id, name=name, cidr_block=str(net),
                        zone=zone, created=self.region.now, route_table_id=vpc.route_table_id,
                        tags=list(tags or []))
        self.subnets[subnet.subnet_id] = subnet
        return subnet

    def get_subnet(self, subnet_id: str, name: str = "SubnetId") -> Subnet:
        return lookup(self.subnets, subnet_id, "subnet", name, "subnet")

    # -- Private IPs (used by CVM when it places an instance in a subnet) ------------------------
    def allocate_private_ip(self, subnet_id: str, resource_id: str, ip: str | None = None) -> str:
        """Reserve ``ip`` (or the lowest free address) in the subnet for ``resource_id``."""
        subnet = self.get_subnet(subnet_id)
        net = ipaddress.ip_network(subnet.cidr_block)
        if ip is not None:
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                raise InvalidParameterValue(f"`{ip}` is not an IPv4 address.",
                                            code="InvalidParameterValue.Malformed") from None
            hosts = list(net.hosts())
            if addr not in net or addr in (hosts[0], net.network_address, net.broadcast_address):
                raise InvalidParameterValue(f"The IP `{ip}` is not usable in subnet `{subnet_id}` ({net}).",
                                            code="InvalidParameterValue.Range")
            held = self.held_ips(subnet)
            if ip in held and held[ip] != resource_id:
                raise in_use(f"The IP `{ip}` is already used by `{held[ip]}`.", "ResourceInUse.Address")
            subnet.used_ips[ip] = resource_id
            return ip
        held = self.held_ips(subnet)
        for index, addr in enumerate(net.hosts()):
            if index == 0:  # .1 is the gateway
                continue
            if str(addr) not in held:
                subnet.used_ips[str(addr)] = resource_id
                return str(addr)
        raise ApiError(f"Subnet `{subnet_id}` has no free IP address.", code="ResourceInsufficient.Subnet")

    def release_private_ips(self, resource_id: str) -> None:
        """Free every address held by ``resource_id`` (e.g. on instance termination)."""
        for subnet in self.subnets.values():
            for ip in [ip for ip, owner in subnet.used_ips.items() if owner == resource_id]:
                del subnet.used_ips[ip]

    def held_ips(self, subnet: Subnet) -> dict[str, str]:
        """ip -> owner id for the subnet: addresses reserved here plus those CVM instances hold.

        CVM may assign instance IPs itself; reading its instances (``subnet_id``, ``private_ips``)
        keeps DescribeUsedIpAddress and AvailableIpAddressCount right either way.
        """
        held = dict(subnet.used_ips)
        if self.region.has_service("cvm"):
            for iid, inst in getattr(self.region.cvm, "instances", {}).items():
                if getattr(inst, "subnet_id", None) == subnet.subnet_id:
                    for ip in getattr(inst, "private_ips", ()):
                        held.setdefault(ip, iid)
        return held

    def available_ips(self, subnet: Subnet) -> int:
        return max(subnet.total_ips - RESERVED_PER_SUBNET - len(self.held_ips(subnet)), 0)

    def used_ip_addresses(self, vpc_id: str, subnet_id: str | None, ips: list[str] | None
                          ) -> list[tuple[Subnet, str, str]]:
        """(subnet, ip, owner id) of used addresses in the VPC (or one subnet), optionally only ``ips``."""
        self.get_vpc(vpc_id)
        if subnet_id:
            self.get_subnet(subnet_id)
        out = []
        for subnet in self.subnets.values():
            if subnet.vpc_id != vpc_id or (subnet_id and subnet.subnet_id != subnet_id):
                continue
            for ip, owner in self.held_ips(subnet).items():
                if ips is None or ip in ips:
                    out.append((subnet, ip, owner))
        return out
