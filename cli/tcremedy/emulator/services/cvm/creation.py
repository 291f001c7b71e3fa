"""RunInstances: validate the request, then create the instances (PENDING, then RUNNING)."""

from __future__ import annotations

from tcremedy.emulator.core.errors import ApiError, InvalidParameter, InvalidParameterValue
from tcremedy.emulator.services.cvm import images
from tcremedy.emulator.services.cvm.guest import Guest
from tcremedy.emulator.services.cvm.instance import (
    INSTANCE_CHARGE_TYPES,
    INSTANCE_TYPES,
    INTERNET_CHARGE_TYPES,
    MAX_BANDWIDTH_MBPS,
    Instance,
    iso,
)
from tcremedy.emulator.services.cvm.load import Load
from tcremedy.emulator.services.cvm.network import NetworkMixin


class CreationMixin(NetworkMixin):
    """RunInstances."""

    def run_instances(
        self,
        *,
        zone: str,
        image_id: str,
        instance_type: str,
        vpc_id: str,
        subnet_id: str,
        security_group_ids: list[str],
        charge_type: str,
        internet_charge_type: str,
        bandwidth_out: int,
        public_ip: bool,
        name: str,
        count: int,
        tags: dict[str, str],
        user_data: str,
        disk_type: str,
        disk_size: int,
        private_ip: str | None,
    ) -> list[str]:
        """Create ``count`` instances after every check has passed; their ids, in order."""
        if not zone.startswith(self.region.name + "-"):
            raise ApiError(
                f"The zone `{zone}` does not belong to region `{self.region.name}`.",
                code="InvalidZone.MismatchRegion",
            )
        image = images.BY_ID.get(image_id)
        if image is None:
            raise InvalidParameterValue(
                f"The image `{image_id}` does not exist.", code="InvalidImageId.NotFound"
            )
        if instance_type not in INSTANCE_TYPES:
            raise InvalidParameterValue(
                f"The instance type `{instance_type}` is not sold in `{zone}`.",
                code="InvalidInstanceType.Malformed",
            )
        if charge_type not in INSTANCE_CHARGE_TYPES:
            raise InvalidParameterValue(f"Unknown InstanceChargeType `{charge_type}`.")
        if internet_charge_type not in INTERNET_CHARGE_TYPES:
            raise InvalidParameterValue(f"Unknown InternetChargeType `{internet_charge_type}`.")
        if not 0 <= bandwidth_out <= MAX_BANDWIDTH_MBPS:
            raise InvalidParameterValue(
                f"InternetMaxBandwidthOut must be within [0, {MAX_BANDWIDTH_MBPS}].",
                code="InvalidParameterValue.Range",
            )
        if public_ip and bandwidth_out == 0:
            raise InvalidParameterValue(
                "A public IP cannot be assigned when InternetMaxBandwidthOut is 0.",
                code="InvalidParameterCombination",
            )
        cidr = self._check_network(vpc_id, subnet_id, security_group_ids)
        if private_ip is not None and count != 1:
            raise InvalidParameter("A fixed private IP can only be given for one instance.")
        cpu, memory = INSTANCE_TYPES[instance_type]
        now = self.region.now
        created = []
        for n in range(count):
            iid = self.region.new_id("ins")
            inst = Instance(
                instance_id=iid,
                name=(f"{name}-{n + 1}" if count > 1 else name) or "未命名",
                zone=zone,
                instance_type=instance_type,
                cpu=cpu,
                memory=memory,
                image_id=image_id,
                os_name=image.os_name,
                platform=image.platform,
                vpc_id=vpc_id,
                subnet_id=subnet_id,
                private_ips=[private_ip or self._allocate_private(subnet_id, cidr)],
                created_time=iso(now),
                uuid=self.new_uuid(),
                system_disk_id=self.region.new_id("disk"),
                system_disk_type=disk_type,
                system_disk_size=disk_size,
                instance_charge_type=charge_type,
                internet_charge_type=internet_charge_type,
                bandwidth_out=bandwidth_out,
                public_ips=[self._allocate_public()] if public_ip else [],
                security_group_ids=list(security_group_ids),
                tags=dict(tags),
                user_data=user_data,
                guest=Guest(agent="Online"),
                load=Load(),
            )
            self.instances[iid] = inst
            self._order = None
            self._begin(inst, "RunInstances", ["PENDING", "RUNNING"])
            created.append(iid)
        return created
