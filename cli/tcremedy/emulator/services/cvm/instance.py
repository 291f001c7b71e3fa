"""The CVM instance record and its DescribeInstances wire form, with the instance-level constants."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from tcremedy.emulator.services.cvm.guest import Guest
from tcremedy.emulator.services.cvm.load import Load

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


def iso(ts: float) -> str:
    """Epoch seconds as the API's ISO-8601 UTC text (``2026-01-01T00:00:00+00:00``), whole seconds."""
    return _iso_second(math.floor(ts))


@lru_cache(maxsize=1 << 14)  # a page of 100 TAT tasks writes 6 times each, mostly the same seconds
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass
class Instance:
    """One instance: every fact the emulator keeps (plain data, snapshotted as is)."""

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
    # the LatestOperation* values the next describe(s) still report after a new call (store._begin)
    prior_operation: list[str | None] = field(default_factory=list)
    prior_reads: int = 0
    pending_result: str = "SUCCESS"  # what LatestOperationState becomes when the steps are done
    pending_error_msg: str = ""
    user_data: str = ""
    disable_api_termination: bool = False
    fail_password_reset: bool = False  # scenario control: the next ResetInstancesPassword fails
    # scenario control: a ForceStop password reset starts the instance again (the API does not say;
    # false leaves it STOPPED, as pulumi-tencentcloud expects: its ModifyPassword never starts it)
    password_reset_restarts: bool = True
    guest: Guest = field(default_factory=Guest)
    load: Load = field(default_factory=Load)

    @property
    def is_windows(self) -> bool:
        return self.platform == "Windows"

    def _latest_operation(self) -> dict[str, Any]:
        names = ("LatestOperation", "LatestOperationState", "LatestOperationRequestId",
                 "LatestOperationErrorMsg")
        if self.prior_reads > 0 and self.prior_operation:
            return dict(zip(names, self.prior_operation, strict=True))
        values = (self.latest_operation, self.latest_operation_state, self.latest_operation_request_id,
                  self.latest_operation_error_msg)
        return dict(zip(names, values, strict=True))

    def to_wire(self) -> dict[str, Any]:
        """The DescribeInstances ``InstanceSet`` entry."""
        windows = self.is_windows
        return {
            "Placement": {"Zone": self.zone, "ProjectId": 0, "HostIds": [], "HostId": "",
                          "DedicatedResourcePackTenancy": "", "DedicatedResourcePackIds": [], "RackId": ""},
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
                "CdcId": None,
                "DiskName": "",
            },
            "DataDisks": [],
            "PrivateIpAddresses": list(self.private_ips),
            "PublicIpAddresses": list(self.public_ips),
            "InternetAccessible": {
                "InternetChargeType": self.internet_charge_type,
                "InternetMaxBandwidthOut": self.bandwidth_out,
                "PublicIpAssigned": bool(self.public_ips),
                "BandwidthPackageId": "",
                "InternetServiceProvider": "BGP",
                "IPv4AddressType": "WanIP",
                "IPv6AddressType": "",
                "AntiDDoSPackageId": "",
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
            **self._latest_operation(),
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
            "HostName": self.name,
            "EnableJumboFrame": False,
            "Metadata": {"Items": []},
            "CpuTopology": {"CoreCount": None, "ThreadPerCore": None},
            "PartitionNumber": 0,
        }
