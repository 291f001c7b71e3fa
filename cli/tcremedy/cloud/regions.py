"""Many regions in one run: list them (``DescribeRegions``) and collect each concurrently.

Tencent's rate limits apply per action *per region* and credential
(https://cloud.tencent.com/document/api/652/121590), so every region gets its own ``CloudApi``
(own clients, pacing buckets and request slots) and the regions run side by side: a run over
several regions takes about as long as its slowest region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from tcremedy.cloud.api import ApiError, CloudApi
from tcremedy.cloud.collect import CollectRequest, collect
from tcremedy.cloud.state import LiveState
from tcremedy.errors import CollectionError


def describe_regions(api: CloudApi) -> list[str]:
    """The available regions (CVM ``DescribeRegions``, https://cloud.tencent.com/document/api/213/15708)."""
    try:
        resp = api.call("cvm", "DescribeRegions", {})
    except ApiError as exc:
        raise CollectionError(
            f"cannot list regions: DescribeRegions failed: {exc.code}: {exc.message}"
        ) from None
    return sorted(
        r["Region"]
        for r in resp.get("RegionSet") or ()
        if r.get("Region") and r.get("RegionState") == "AVAILABLE"
    )


def collect_regions(
    api_for: Callable[[str], CloudApi],
    request_for: Callable[[str], CollectRequest],
    regions: Sequence[str],
    now: datetime,
) -> dict[str, LiveState]:
    """Region -> its live state, the regions collected concurrently, all at the one timestamp ``now``."""
    regions = list(dict.fromkeys(regions))
    if not regions:
        return {}
    with ThreadPoolExecutor(max_workers=len(regions)) as pool:
        jobs = {r: pool.submit(collect, api_for(r), request_for(r), now) for r in regions}
        return {r: job.result() for r, job in jobs.items()}
