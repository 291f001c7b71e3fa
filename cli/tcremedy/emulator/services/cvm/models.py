"""CVM state and rules: instances, their lifecycle, bandwidth, passwords, attributes.

Lifecycle changes are queued as (due time, state) steps and settled lazily against the world
clock whenever the backend is read, so no background thread is needed and a test can move the
clock instead of sleeping (``World.transition_seconds`` per step, default 1 s).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import IPv4Network
from typing import TYPE_CHECKING, Any

from tcremedy.emulator.core.errors import (
    ApiError,
    InvalidInstanceIdMalformed,
    InvalidInstanceIdNotFound,
    InvalidParameter,
    InvalidParameterValue,
    MissingParameter,
    UnsupportedOperation,
)
from tcremedy.emulator.core.protocol import PreEncoded
from tcremedy.emulator.services.cvm import images
from tcremedy.emulator.services.cvm.guest import Guest
from tcremedy.emulator.services.cvm.load import Load
from tcremedy.serde import from_data, to_data

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState

INSTANCE_ID = re.compile(r"^ins-[a-z0-9]{8}$")
INSTANCE_TYPES: dict[str, tuple[int, int]] = {  # type -> (CPU cores, memory GiB)
    "S5.SMALL2": (1, 2),
    "S5.MEDIUM4": (2, 4),
    "S5.LARGE8": (4, 8),
    "S5.2XLARGE16": (8, 16),
    "SA2.MEDIUM4": (2, 4),
    "SA2.LARGE8": (4, 8),
    "S2.SMALL2": (1, 2),
}
DEFAULT_INSTANCE_TYPE = "S5.MEDIUM4"
INTERNET_CHARGE_TYPES = (
    "BANDWIDTH_PREPAID",
    "TRAFFIC_POSTPAID_BY_HOUR",
    "BANDWIDTH_POSTPAID_BY_HOUR",
    "BANDWIDTH_PACKAGE",
)
INSTANCE_CHARGE_TYPES = ("PREPAID", "POSTPAID_BY_HOUR", "SPOTPAID", "CDHPAID", "CDCPAID")
MAX_BANDWIDTH_MBPS = 200
STATE_ERROR = {  # current state -> the UnsupportedOperation code a wrong-state request gets
    "RUNNING": (
        "UnsupportedOperation.InstanceStateRunning",
        "Running instances do not support this operation.",
    ),
    "STOPPED": (
        "UnsupportedOperation.InstanceStateStopped",
        "The instance has been shut down, and this operation is not supported.",
    ),
    "PENDING": (
        "UnsupportedOperation.InstanceStatePending",
        "The instance is being created; try again later.",
    ),
    "STARTING": ("UnsupportedOperation.InstanceStateStarting", "The instance is starting; try again later."),
    "STOPPING": ("UnsupportedOperation.InstanceStateStopping", "The instance is stopping; try again later."),
    "REBOOTING": (
        "UnsupportedOperation.InstanceStateRebooting",
        "The instance is rebooting; try again later.",
    ),
    "TERMINATING": ("UnsupportedOperation.InstanceStateTerminating", "The instance is being terminated."),
    "SHUTDOWN": (
        "UnsupportedOperation.InstanceStateShutdown",
        "The instance is shut down, awaiting destruction.",
    ),
    "LAUNCH_FAILED": ("UnsupportedOperation.InstanceStateCorrupted", "The instance failed to launch."),
}
WINDOWS_SPECIALS = set("()`~!@#$%^&*-+=_|{}[]:;'<>,.?/")


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass
class Instance:
    instance_id: str
    name: str
    zone: str
    instance_type: str
    cpu: int
    memory: int
    image_id: str
    os_name: str
    platform: str  # the image's Platform (Windows, Ubuntu, ...)
    vpc_id: str
    subnet_id: str
    private_ips: list[str]
    created_time: str
    uuid: str
    system_disk_id: str
    system_disk_type: str = "CLOUD_PREMIUM"
    system_disk_size: int = 50
    state: str = "PENDING"
    steps: list[tuple[float, str]] = field(default_factory=list)  # queued (due time, next state)
    restrict_state: str = "NORMAL"
    isolated_source: str = "NOTISOLATED"
    instance_charge_type: str = "POSTPAID_BY_HOUR"
    internet_charge_type: str = "TRAFFIC_POSTPAID_BY_HOUR"
    bandwidth_out: int = 0
    public_ips: list[str] = field(default_factory=list)
    security_group_ids: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    latest_operation: str | None = None
    latest_operation_state: str | None = None
    latest_operation_request_id: str | None = None
    latest_operation_error_msg: str | None = None
    pending_result: str = "SUCCESS"  # what LatestOperationState becomes when the steps are done
    pending_error_msg: str = ""
    user_data: str = ""
    disable_api_termination: bool = False
    fail_password_reset: bool = False  # scenario control: the next ResetInstancesPassword fails
    guest: Guest = field(default_factory=Guest)
    load: Load = field(default_factory=Load)

    @property
    def is_windows(self) -> bool:
        return self.platform == "Windows"

    def to_wire(self) -> dict[str, Any]:
        windows = self.is_windows
        return {
            "Placement": {"Zone": self.zone, "ProjectId": 0, "HostIds": [], "HostId": ""},
            "InstanceId": self.instance_id,
            "InstanceType": self.instance_type,
            "CPU": self.cpu,
            "Memory": self.memory,
            "RestrictState": self.restrict_state,
            "InstanceName": self.name,
            "InstanceChargeType": self.instance_charge_type,
            "SystemDisk": {
                "DiskType": self.system_disk_type,
                "DiskId": self.system_disk_id,
                "DiskSize": self.system_disk_size,
            },
            "DataDisks": [],
            "PrivateIpAddresses": list(self.private_ips),
            "PublicIpAddresses": list(self.public_ips),
            "InternetAccessible": {
                "InternetChargeType": self.internet_charge_type,
                "InternetMaxBandwidthOut": self.bandwidth_out,
                "PublicIpAssigned": bool(self.public_ips),
            },
            "VirtualPrivateCloud": {
                "VpcId": self.vpc_id,
                "SubnetId": self.subnet_id,
                "AsVpcGateway": False,
                "PrivateIpAddresses": list(self.private_ips),
                "Ipv6AddressCount": 0,
            },
            "ImageId": self.image_id,
            "RenewFlag": "NOTIFY_AND_MANUAL_RENEW" if self.instance_charge_type == "PREPAID" else "",
            "CreatedTime": self.created_time,
            "ExpiredTime": None,
            "OsName": self.os_name,
            "SecurityGroupIds": list(self.security_group_ids),
            "LoginSettings": {"KeyIds": []},
            "InstanceState": self.state,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags.items()],
            "StopChargingMode": "KEEP_CHARGING" if self.state == "STOPPED" else "NOT_APPLICABLE",
            "Uuid": self.uuid,
            "LatestOperation": self.latest_operation,
            "LatestOperationState": self.latest_operation_state,
            "LatestOperationRequestId": self.latest_operation_request_id,
            "LatestOperationErrorMsg": self.latest_operation_error_msg,
            "DisasterRecoverGroupId": "",
            "IPv6Addresses": None,
            "CamRoleName": "",
            "HpcClusterId": "",
            "RdmaIpAddresses": None,
            "DedicatedClusterId": "",
            "IsolatedSource": self.isolated_source,
            "DisasterRecoverGroupIds": [],
            "LicenseType": "TencentCloud",
            "DisableApiTermination": self.disable_api_termination,
            "DefaultLoginUser": "Administrator" if windows else "root",
            "DefaultLoginPort": 3389 if windows else 22,
            "PublicIPv6Addresses": [],
        }


def check_password(password: str, user: str, windows: bool) -> None:
    """Tencent's password complexity rules (tencent-api.md 2.6)."""
    low, high = (12, 30) if windows else (8, 30)
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in WINDOWS_SPECIALS for c in password),
        )
    )
    bad = (
        not low <= len(password) <= high
        or password.startswith("/")
        or classes < 3
        or (windows and user and user.lower() in password.lower())
    )
    if bad:
        rule = (
            f"{low}-{high} characters, not starting with '/', at least three of lower case, upper case, "
            "digits and special characters" + (", not containing the user name" if windows else "")
        )
        raise InvalidParameterValue(
            f"Invalid password. The specified password does not meet the complexity requirements: {rule}.",
            code="InvalidParameterValue.InvalidPassword",
        )


class CvmBackend:
    def __init__(self, region: RegionState) -> None:
        self.region = region
        self.instances: dict[str, Instance] = {}
        self._moving: set[str] = set()  # instances with queued lifecycle steps
        self._next_host: dict[str, int] = {}  # subnet id -> next host index for private IPs
        self._next_public = 0
        self._wire: dict[
            str, tuple[dict[str, Any], str]
        ] = {}  # cache of Instance.to_wire(), dropped on change
        self._order: list[Instance] | None = None
        # Subnet lookups remembered while a scenario is being built (subnets do not change meanwhile);
        # None = always ask the VPC service.
        self.network_cache: dict[str, dict[str, Any]] | None = None

    # -- persistence ------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "instances": [to_data(i) for i in self.instances.values()],
            "next_host": dict(self._next_host),
            "next_public": self._next_public,
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.instances = {}
        for raw in data.get("instances", []):
            inst = from_data(Instance, raw)
            inst.steps = [tuple(s) for s in inst.steps]  # type: ignore[misc]
            self.instances[inst.instance_id] = inst
        self._moving = {i.instance_id for i in self.instances.values() if i.steps}
        self._next_host = dict(data.get("next_host", {}))
        self._next_public = int(data.get("next_public", 0))
        self._wire.clear()
        self._order = None

    # -- lookup -----------------------------------------------------------------------------
    def touch(self, inst: Instance) -> None:
        self._wire.pop(inst.instance_id, None)

    def wire(self, inst: Instance) -> dict[str, Any]:
        return self._cached(inst)[0]

    def wire_page(self, instances: list[Instance]) -> PreEncoded:
        """Wire dicts plus their cached JSON texts (see ``protocol.PreEncoded``)."""
        pairs = [self._cached(i) for i in instances]
        return PreEncoded([d for d, _ in pairs], [t for _, t in pairs])

    def _cached(self, inst: Instance) -> tuple[dict[str, Any], str]:
        cached = self._wire.get(inst.instance_id)
        if cached is None:
            data = inst.to_wire()
            cached = self._wire[inst.instance_id] = (
                data,
                json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            )
        return cached

    def ordered(self) -> list[Instance]:
        if self._order is None:
            self._order = list(self.instances.values())
        return self._order

    def settle(self) -> None:
        """Apply every lifecycle step that is due by now."""
        if not self._moving:
            return
        now = self.region.now
        for iid in list(self._moving):
            inst = self.instances.get(iid)
            if inst is None:
                self._moving.discard(iid)
                continue
            changed = False
            while inst.steps and inst.steps[0][0] <= now:
                _, state = inst.steps.pop(0)
                changed = True
                if state == "":  # termination done
                    self._remove(inst)
                    break
                inst.state = state
            if changed and iid in self.instances:
                if not inst.steps:
                    inst.latest_operation_state = inst.pending_result
                    inst.latest_operation_error_msg = inst.pending_error_msg
                    self._moving.discard(iid)
                self.touch(inst)

    def complete_transitions(self) -> None:
        """Finish every queued lifecycle step now (scenario building)."""
        for iid in list(self._moving):
            inst = self.instances[iid]
            inst.steps = [(0.0, s) for _, s in inst.steps]
        self.settle()

    def _remove(self, inst: Instance) -> None:
        self.instances.pop(inst.instance_id, None)
        self._moving.discard(inst.instance_id)
        self._wire.pop(inst.instance_id, None)
        self._order = None

    def get(self, instance_id: str) -> Instance:
        self.settle()
        if not isinstance(instance_id, str) or not INSTANCE_ID.match(instance_id):
            raise InvalidInstanceIdMalformed(str(instance_id))
        inst = self.instances.get(instance_id)
        if inst is None:
            raise InvalidInstanceIdNotFound(instance_id)
        return inst

    def get_many(self, instance_ids: list[str]) -> list[Instance]:
        for iid in instance_ids:  # malformed ids are reported before unknown ones
            if not INSTANCE_ID.match(iid):
                raise InvalidInstanceIdMalformed(iid)
        return [self.get(iid) for iid in dict.fromkeys(instance_ids)]

    # -- lifecycle --------------------------------------------------------------------------
    def _begin(
        self,
        inst: Instance,
        operation: str,
        states: list[str],
        *,
        result: str = "SUCCESS",
        error_msg: str = "",
    ) -> None:
        """Start an operation: the first state now, each further state one transition later."""
        now, step = self.region.now, self.region.world.transition_seconds
        inst.latest_operation = operation
        inst.latest_operation_request_id = str(uuid.UUID(int=self.region.world.ids._rng.getrandbits(128)))
        inst.pending_result, inst.pending_error_msg = result, error_msg
        if states:
            inst.state = states[0]
        inst.steps = [(now + step * (i + 1), s) for i, s in enumerate(states[1:])]
        if not states[1:]:  # an operation without a lifecycle still takes one step to report success
            inst.steps = [(now + step, inst.state)]
        inst.latest_operation_state = "OPERATING"
        self._moving.add(inst.instance_id)
        self.touch(inst)

    @staticmethod
    def _require_state(inst: Instance, *allowed: str) -> None:
        if inst.state not in allowed:
            code, message = STATE_ERROR.get(inst.state, ("InvalidInstanceState", "Invalid instance state."))
            raise UnsupportedOperation(f"{message} ({inst.instance_id} is {inst.state})", code=code)

    def start(self, instance_ids: list[str]) -> None:
        targets = self.get_many(instance_ids)
        for inst in targets:
            self._require_state(inst, "STOPPED")
        for inst in targets:
            self._begin(inst, "StartInstances", ["STARTING", "RUNNING"])

    def stop(self, instance_ids: list[str]) -> None:
        targets = self.get_many(instance_ids)
        for inst in targets:
            self._require_state(inst, "RUNNING")
        for inst in targets:
            self._begin(inst, "StopInstances", ["STOPPING", "STOPPED"])

    def reboot(self, instance_ids: list[str]) -> None:
        targets = self.get_many(instance_ids)
        for inst in targets:
            self._require_state(inst, "RUNNING")
        for inst in targets:
            self._begin(inst, "RebootInstances", ["REBOOTING", "RUNNING"])

    def terminate(self, instance_ids: list[str]) -> None:
        targets = self.get_many(instance_ids)
        for inst in targets:
            if inst.disable_api_termination:
                raise ApiError(
                    f"Instance {inst.instance_id} is protected from termination.",
                    code="OperationDenied.DisableApiTermination",
                )
            if inst.state in ("TERMINATING", "PENDING"):
                self._require_state(inst, "RUNNING", "STOPPED")
        for inst in targets:
            self._begin(inst, "TerminateInstances", ["TERMINATING", ""])

    # -- creation ---------------------------------------------------------------------------
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
                uuid=str(uuid.UUID(int=self.region.world.ids._rng.getrandbits(128))),
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

    def _check_network(self, vpc_id: str, subnet_id: str, security_group_ids: list[str]) -> str | None:
        """Validate ids against the VPC service (when present); return the subnet CIDR if known."""
        if not self.region.has_service("vpc"):
            return None
        self.check_security_groups(security_group_ids)
        match = self.network_cache.get(subnet_id) if self.network_cache is not None else None
        if match is None:
            try:
                subnets = self._vpc_call("DescribeSubnets", {"SubnetIds": [subnet_id]}).get("SubnetSet") or []
            except ApiError:  # the VPC service reports unknown ids as ResourceNotFound
                subnets = []
            match = next((s for s in subnets if s.get("SubnetId") == subnet_id), None)
            if match is not None and self.network_cache is not None:
                self.network_cache[subnet_id] = match
        if match is None:
            raise InvalidParameterValue(
                f"The subnet `{subnet_id}` does not exist.", code="InvalidParameterValue.SubnetNotExist"
            )
        if match.get("VpcId") and match["VpcId"] != vpc_id:
            raise InvalidParameterValue(
                f"The subnet `{subnet_id}` does not belong to VPC `{vpc_id}`.",
                code="InvalidParameterValue.VpcIdNotExist",
            )
        return match.get("CidrBlock")

    def check_security_groups(self, security_group_ids: list[str]) -> None:
        for sg in security_group_ids:
            if not re.match(r"^sg-[a-z0-9]{8}$", sg):
                raise InvalidParameterValue(
                    f"The security group id `{sg}` is malformed.", code="InvalidSgId.Malformed"
                )
        if not security_group_ids or not self.region.has_service("vpc"):
            return
        try:
            found = self._vpc_call("DescribeSecurityGroups", {"SecurityGroupIds": list(security_group_ids)})
            known = {g.get("SecurityGroupId") for g in found.get("SecurityGroupSet") or []}
        except ApiError:
            known = set()
        for sg in security_group_ids:
            if sg not in known:
                raise InvalidParameterValue(
                    f"The security group `{sg}` does not exist.", code="InvalidSecurityGroupId.NotFound"
                )

    def _vpc_call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        from tcremedy.emulator.core.dispatch import resolve

        return resolve("vpc", "2017-03-12", action)(self.region, params)

    def _allocate_private(self, subnet_id: str, cidr: str | None) -> str:
        net = IPv4Network(cidr or "10.0.0.0/16", strict=False)
        index = self._next_host.get(subnet_id, 2)  # .0 network, .1 gateway
        if index >= net.num_addresses - 2:
            raise ApiError(f"The subnet `{subnet_id}` has no free IP addresses.", code="InsufficientSubnetIp")
        self._next_host[subnet_id] = index + 1
        return str(net.network_address + index)

    def _allocate_public(self) -> str:
        n = self._next_public
        self._next_public += 1
        return f"43.139.{(n // 250) % 250}.{n % 250 + 2}"

    # -- other mutations --------------------------------------------------------------------
    def reset_bandwidth(
        self, instance_ids: list[str], bandwidth: int, start: str | None, end: str | None
    ) -> None:
        targets = self.get_many(instance_ids)
        charge_types = {i.internet_charge_type for i in targets}
        if len(charge_types) > 1:
            raise InvalidParameter("Instances with different InternetChargeType cannot be changed together.")
        (charge,) = charge_types
        if charge == "BANDWIDTH_POSTPAID_BY_MONTH":
            raise UnsupportedOperation(
                f"InternetChargeType {charge} is not supported.",
                code="UnsupportedOperation.InstanceChargeType",
            )
        if charge in ("BANDWIDTH_PREPAID", "BANDWIDTH_POSTPAID_BY_HOUR") and len(targets) > 1:
            raise InvalidParameterValue(
                f"Only one instance can be changed at a time when charged by {charge}.",
                code="InvalidParameterValue.LimitExceeded",
            )
        if charge == "BANDWIDTH_PREPAID":
            if not start:
                raise MissingParameter("StartTime")
            if not end:
                raise MissingParameter("EndTime")
            if bandwidth < targets[0].bandwidth_out:
                raise InvalidParameterValue(
                    "The bandwidth of a BANDWIDTH_PREPAID instance cannot be decreased.",
                    code="InvalidParameterValue.Range",
                )
        elif start or end:
            raise InvalidParameter(
                f"StartTime/EndTime are only supported for BANDWIDTH_PREPAID, not {charge}."
            )
        if not 0 <= bandwidth <= MAX_BANDWIDTH_MBPS:
            raise InvalidParameterValue(
                f"InternetMaxBandwidthOut must be within [0, {MAX_BANDWIDTH_MBPS}] Mbps.",
                code="InvalidParameterValue.Range",
            )
        for inst in targets:
            self._require_state(inst, "RUNNING", "STOPPED")
        for inst in targets:
            inst.bandwidth_out = bandwidth
            self._begin(inst, "ResetInstancesInternetMaxBandwidth", [inst.state])

    def reset_password(
        self, instance_ids: list[str], password: str, user: str | None, force_stop: bool
    ) -> None:
        targets = self.get_many(instance_ids)
        windows = any(i.is_windows for i in targets)  # a mixed batch gets the Windows rules
        default_user = "Administrator" if windows else "root"
        check_password(password, user or default_user, windows)
        for inst in targets:
            if inst.state == "RUNNING" and not force_stop:
                code, message = STATE_ERROR["RUNNING"]
                raise UnsupportedOperation(
                    f"{message} Stop {inst.instance_id} first or pass ForceStop=true.", code=code
                )
            self._require_state(inst, "RUNNING", "STOPPED")
        for inst in targets:
            failed, inst.fail_password_reset = inst.fail_password_reset, False  # a one-shot control
            result, msg = (
                ("FAILED", "cloudbase-init did not confirm the password change")
                if failed
                else ("SUCCESS", "")
            )
            if inst.state == "RUNNING":  # ForceStop: stop, reset, start again
                self._begin(
                    inst,
                    "ResetInstancesPassword",
                    ["STOPPING", "STOPPED", "STARTING", "RUNNING"],
                    result=result,
                    error_msg=msg,
                )
            else:
                self._begin(inst, "ResetInstancesPassword", ["STOPPED"], result=result, error_msg=msg)

    def modify_attributes(
        self,
        instance_ids: list[str],
        *,
        name: str | None,
        security_groups: list[str] | None,
        user_data: str | None,
        disable_api_termination: bool | None,
    ) -> None:
        targets = self.get_many(instance_ids)
        if security_groups is not None:
            if not security_groups:
                raise InvalidParameterValue("SecurityGroups must name at least one security group.")
            if len(set(security_groups)) != len(security_groups):
                raise InvalidParameterValue("SecurityGroups contains duplicates.")
            self.check_security_groups(security_groups)
        for inst in targets:
            if name is not None:
                inst.name = name
            if security_groups is not None:
                inst.security_group_ids = list(security_groups)
            if user_data is not None:
                inst.user_data = user_data
            if disable_api_termination is not None:
                inst.disable_api_termination = disable_api_termination
            self.touch(inst)

    # -- control API (facts no public API can set) ------------------------------------------
    def control_view(self, instance_id: str) -> dict[str, Any]:
        inst = self.get(instance_id)
        return {
            "InstanceId": inst.instance_id,
            "InstanceState": inst.state,
            "guest": inst.guest.control_view(),
            "load": inst.load.control_view(),
            "status": self._status_view(inst),
        }

    @staticmethod
    def _status_view(inst: Instance) -> dict[str, Any]:
        return {
            "RestrictState": inst.restrict_state,
            "IsolatedSource": inst.isolated_source,
            "LatestOperation": inst.latest_operation,
            "LatestOperationState": inst.latest_operation_state,
            "LatestOperationErrorMsg": inst.latest_operation_error_msg,
            "FailPasswordReset": inst.fail_password_reset,
        }

    def set_guest(self, instance_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        inst = self.get(instance_id)
        inst.guest.update(fields)
        return inst.guest.control_view()

    def set_load(self, instance_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        inst = self.get(instance_id)
        inst.load.update(fields)
        return inst.load.control_view()

    def set_status(self, instance_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        inst = self.get(instance_id)
        choices = {
            "RestrictState": ("NORMAL", "EXPIRED", "PROTECTIVELY_ISOLATED"),
            "IsolatedSource": ("NOTISOLATED", "ARREAR", "EXPIRE", "MANMADE"),
            "LatestOperationState": ("SUCCESS", "OPERATING", "FAILED", None),
        }
        for key, value in fields.items():
            if key in choices and value not in choices[key]:
                raise ValueError(f"status field {key!r} must be one of {list(choices[key])}")
            if key == "RestrictState":
                inst.restrict_state = value
            elif key == "IsolatedSource":
                inst.isolated_source = value
            elif key == "LatestOperation":
                inst.latest_operation = value if value is None else str(value)
            elif key == "LatestOperationState":
                inst.latest_operation_state = value
            elif key == "LatestOperationErrorMsg":
                inst.latest_operation_error_msg = value if value is None else str(value)
            elif key == "FailPasswordReset":
                if not isinstance(value, bool):
                    raise ValueError("status field 'FailPasswordReset' must be true or false")
                inst.fail_password_reset = value
            else:
                raise ValueError(
                    f"unknown status field {key!r}; expected one of "
                    "['FailPasswordReset', 'IsolatedSource', 'LatestOperation', "
                    "'LatestOperationErrorMsg', 'LatestOperationState', 'RestrictState']"
                )
        self.touch(inst)
        return self._status_view(inst)
