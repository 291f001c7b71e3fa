"""Placing instances in the VPC: subnet and security-group ids checked against the VPC service
(when it is part of the build), private and public addresses allocated."""

from __future__ import annotations

import re
from ipaddress import IPv4Network

from tcremedy.emulator.core.errors import ApiError, InvalidParameterValue
from tcremedy.emulator.services.cvm.store import CvmStore


class NetworkMixin(CvmStore):
    """Network placement rules shared by creation and attribute changes."""

    def _check_network(self, vpc_id: str, subnet_id: str, security_group_ids: list[str]) -> str | None:
        """Validate ids against the VPC backend (when present); return the subnet CIDR if known.

        The VPC backend is asked directly (its model objects), never through its wire format."""
        if not self.region.has_service("vpc"):
            return None
        self.check_security_groups(security_group_ids)
        subnet = self.region.vpc.subnets.get(subnet_id)
        if subnet is None:
            raise InvalidParameterValue(
                f"The subnet `{subnet_id}` does not exist.", code="InvalidParameterValue.SubnetNotExist"
            )
        if subnet.vpc_id != vpc_id:
            raise InvalidParameterValue(
                f"The subnet `{subnet_id}` does not belong to VPC `{vpc_id}`.",
                code="InvalidParameterValue.VpcIdNotExist",
            )
        return str(subnet.cidr_block)

    def check_security_groups(self, security_group_ids: list[str]) -> None:
        """Malformed ids, then ids the VPC backend does not know, raise the API's errors."""
        for sg in security_group_ids:
            if not re.match(r"^sg-[a-z0-9]{8}$", sg):
                raise InvalidParameterValue(
                    f"The security group id `{sg}` is malformed.", code="InvalidSgId.Malformed"
                )
        if not security_group_ids or not self.region.has_service("vpc"):
            return
        known = self.region.vpc.security_groups
        for sg in security_group_ids:
            if sg not in known:
                raise InvalidParameterValue(
                    f"The security group `{sg}` does not exist.", code="InvalidSecurityGroupId.NotFound"
                )

    def _allocate_private(self, subnet_id: str, cidr: str | None) -> str:
        """The subnet's next free host address."""
        net = IPv4Network(cidr or "10.0.0.0/16", strict=False)
        index = self._next_host.get(subnet_id, 2)  # .0 network, .1 gateway
        if index >= net.num_addresses - 2:
            raise ApiError(f"The subnet `{subnet_id}` has no free IP addresses.", code="InsufficientSubnetIp")
        self._next_host[subnet_id] = index + 1
        return str(net.network_address + index)

    def _allocate_public(self) -> str:
        """The next public address: the world's per-run loopback range, so guests can really listen."""
        self._next_public += 1
        return str(self.region.world.allocate_public())
