"""CBS 2017-03-12 handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.dispatch import action
from tcremedy.emulator.core.errors import ApiError, InvalidParameter
from tcremedy.emulator.core.world import RegionState
from tcremedy.emulator.services.cbs.models import CbsBackend, disk_wire
from tcremedy.emulator.services.cvm.instance import Instance

FILTERS: dict[str, Callable[[Instance, list[str]], bool]] = {
    "disk-id": lambda i, vs: i.system_disk_id in vs,
    "instance-id": lambda i, vs: i.instance_id in vs,
    "disk-usage": lambda i, vs: "SYSTEM_DISK" in vs,
    "zone": lambda i, vs: i.zone in vs,
    "disk-type": lambda i, vs: i.system_disk_type in vs,
    "disk-state": lambda i, vs: "ATTACHED" in vs,
    "instance-name": lambda i, vs: i.name in vs,
}


@action("cbs", "2017-03-12", "DescribeDisks")
def describe_disks(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    backend: CbsBackend = region.cbs
    ids = p.str_list(params, "DiskIds", max_items=100)
    filters = p.filters(params, error_code="InvalidFilter")
    if ids and filters:
        raise InvalidParameter("`DiskIds` and `Filters` cannot be specified at the same time.")
    found = backend.disks()
    if ids:
        wanted = set(ids)
        found = [i for i in found if i.system_disk_id in wanted]
    for name, values in filters:
        check = FILTERS.get(name)
        if check is None:
            raise ApiError(
                f"The filter `{name}` is not supported; supported: {sorted(FILTERS)}.", code="InvalidFilter"
            )
        found = [i for i in found if check(i, values)]
    offset, limit = p.paging(params)
    return {"TotalCount": len(found), "DiskSet": [disk_wire(i) for i in found[offset : offset + limit]]}
