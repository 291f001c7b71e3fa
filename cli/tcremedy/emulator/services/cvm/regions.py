"""``DescribeRegions`` (CVM 2017-03-12): the regions this local cloud serves.

Real Tencent Cloud lists every region it offers (https://cloud.tencent.com/document/api/213/15708:
``RegionSet`` of ``RegionInfo`` {Region, RegionName, RegionState}); the local cloud lists the regions
that hold resources (``emulator serve --regions``) and the one requests default to.
"""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.dispatch import action
from tcremedy.emulator.core.world import RegionState

SERVICE, VERSION = "cvm", "2017-03-12"


@action(SERVICE, VERSION, "DescribeRegions")
def describe_regions(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    names = sorted({region.name, *region.world.regions})
    regions = [{"Region": n, "RegionName": n, "RegionState": "AVAILABLE"} for n in names]
    return {"TotalCount": len(regions), "RegionSet": regions}
