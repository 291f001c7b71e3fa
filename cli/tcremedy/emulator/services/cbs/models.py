"""Cloud disks. Every instance has exactly one system disk, derived from the CVM backend."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.backend import StatelessBackend
from tcremedy.emulator.services.cvm.instance import Instance


def disk_wire(inst: Instance) -> dict[str, Any]:
    """The DescribeDisks entry of an instance's system disk."""
    return {
        "DiskId": inst.system_disk_id,
        "DiskUsage": "SYSTEM_DISK",
        "DiskChargeType": inst.instance_charge_type,
        "Portable": False,
        "Placement": {"Zone": inst.zone, "ProjectId": 0},
        "SnapshotAbility": True,
        "DiskName": f"{inst.name}-system",
        "DiskSize": inst.system_disk_size,
        "DiskState": "ATTACHED",
        "DiskType": inst.system_disk_type,
        "Attached": True,
        "InstanceId": inst.instance_id,
        "InstanceIdList": [inst.instance_id],
        "CreateTime": inst.created_time.replace("T", " ")[:19],
        "DeadlineTime": "",
        "Rollbacking": False,
        "RollbackPercent": 0,
        "Encrypt": False,
        "DeleteWithInstance": True,
        "Tags": [],
        "InstanceType": "CVM",
        "Shareable": False,
        "RenewFlag": "",
        "AutoSnapshotPolicyIds": [],
        "ThroughputPerformance": 0,
        "Migrating": False,
        "MigratePercent": 0,
        "SnapshotCount": 0,
        "SnapshotSize": 0,
        "BackupDisk": False,
    }


class CbsBackend(StatelessBackend):
    """System disks, derived from the CVM instances."""

    def disks(self) -> list[Instance]:
        """The instances (one system disk each), in the CVM backend's listing order."""
        cvm = self.region.cvm
        cvm.settle()
        return list(cvm.ordered())
