"""Tag 2018-08-13 handlers (region-less service: the region comes from ResourceRegion)."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.dispatch import action
from tcremedy.emulator.core.errors import InvalidParameterValue
from tcremedy.emulator.core.world import RegionState
from tcremedy.emulator.services.tag.models import TagBackend


@action("tag", "2018-08-13", "DescribeResourceTagsByResourceIds")
def describe_resource_tags_by_resource_ids(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    service = p.string(params, "ServiceType", required=True)
    prefix = p.string(params, "ResourcePrefix", required=True)
    ids = p.str_list(params, "ResourceIds", required=True, max_items=50) or []
    resource_region = p.string(params, "ResourceRegion", required=True) or region.name
    offset = p.integer(params, "Offset", 0, minimum=0) or 0
    limit = p.integer(params, "Limit", 15, minimum=1, maximum=1000) or 15
    if offset % limit:
        raise InvalidParameterValue("Offset must be a multiple of Limit.")
    backend: TagBackend = region.tag
    rows = backend.instance_tags(ids, resource_region) if (service, prefix) == ("cvm", "instance") else []
    return {"TotalCount": len(rows), "Offset": offset, "Limit": limit, "Tags": rows[offset : offset + limit]}
