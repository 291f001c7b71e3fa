"""CVM: list the instances (``DescribeInstances``, 100 per page) and map them onto ``Instance``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tcremedy.cloud.api import ApiError, CloudApi, all_pages, chunks
from tcremedy.cloud.state import CollectionGap, Instance
from tcremedy.errors import CollectionError

PAGE = 100  # DescribeInstances: InstanceIds <= 100, Limit <= 100


@dataclass(frozen=True)
class InstanceQuery:
    """What can be asked of DescribeInstances server-side. Ids and filters are exclusive in the API,
    so with ids the tag/name criteria are applied client-side by the selector."""

    instance_ids: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    name: str = ""  # exact-name filter (only for a glob-free single name)

    def filters(self) -> list[dict[str, Any]]:
        out = [{"Name": f"tag:{k}", "Values": [v]} for k, v in sorted(self.tags.items())]
        if self.name:
            out.append({"Name": "instance-name", "Values": [self.name]})
        return out[:10]  # the API takes at most 10 filters; the selector re-checks everything


def platform_of(os_name: str) -> str:
    """WINDOWS / LINUX from OsName (the Instance has no Platform field; tencent-api.md 2.1)."""
    return "WINDOWS" if "windows" in (os_name or "").lower() else "LINUX"


def instance_from_api(item: dict[str, Any], region: str) -> Instance:
    """Pure mapping of one API ``Instance`` onto the state's Instance."""
    internet = item.get("InternetAccessible") or {}
    vpc = item.get("VirtualPrivateCloud") or {}
    placement = item.get("Placement") or {}
    os_name = item.get("OsName") or ""
    return Instance(
        instance_id=item["InstanceId"],
        region=region,
        name=item.get("InstanceName") or "",
        zone=placement.get("Zone") or "",
        os_name=os_name,
        platform=platform_of(os_name),
        instance_type=item.get("InstanceType") or "",
        image_id=item.get("ImageId") or "",
        state=item.get("InstanceState") or "",
        restrict_state=item.get("RestrictState") or "NORMAL",
        isolated_source=item.get("IsolatedSource") or "",
        latest_operation=item.get("LatestOperation") or "",
        latest_operation_state=item.get("LatestOperationState") or "",
        latest_operation_error_msg=item.get("LatestOperationErrorMsg") or "",
        instance_charge_type=item.get("InstanceChargeType") or "",
        internet_charge_type=internet.get("InternetChargeType") or "",
        internet_max_bandwidth_out=int(internet.get("InternetMaxBandwidthOut") or 0),
        public_ip_addresses=tuple(item.get("PublicIpAddresses") or ()),
        private_ip_addresses=tuple(item.get("PrivateIpAddresses") or ()),
        vpc_id=vpc.get("VpcId") or "",
        subnet_id=vpc.get("SubnetId") or "",
        security_group_ids=tuple(item.get("SecurityGroupIds") or ()),
        tags={t["Key"]: t.get("Value") or "" for t in item.get("Tags") or () if t.get("Key")},
        cpu=int(item.get("CPU") or 0),
        memory_gb=int(item.get("Memory") or 0),
    )


def _page(api: CloudApi, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return api.call("cvm", "DescribeInstances", params)
    except ApiError as exc:  # without the instance list nothing else can be judged
        raise CollectionError(
            f"cannot list instances: DescribeInstances failed: {exc.code}: {exc.message}"
        ) from None


def describe_instances(
    api: CloudApi,
    region: str,
    query: InstanceQuery,
    on_page: Callable[[list[Instance]], None] | None = None,
) -> tuple[list[Instance], list[CollectionGap]]:
    """All instances matching ``query``; requested ids that do not exist become gaps.
    ``on_page(instances)`` sees each page's instances as soon as it arrived (so work on them can
    start while the listing goes on)."""
    listed: list[Instance] = []
    lock = threading.Lock()

    def page_of(items: list[dict[str, Any]]) -> None:
        mapped = [instance_from_api(i, region) for i in items]
        with lock:
            listed.extend(mapped)
        if on_page is not None:
            on_page(mapped)

    api.progress.phase("instances")
    if query.instance_ids:
        ids = list(dict.fromkeys(query.instance_ids))

        def by_ids(batch: Sequence[str]) -> None:
            page_of(list(_page(api, {"InstanceIds": list(batch), "Limit": PAGE}).get("InstanceSet") or ()))

        api.map(by_ids, chunks(ids, PAGE))
        found = {i.instance_id for i in listed}
        gaps = [
            CollectionGap(
                "instance", iid, "InvalidInstanceId.NotFound", f"instance {iid} was not found in {region}"
            )
            for iid in ids
            if iid not in found
        ]
        return list({i.instance_id: i for i in listed}.values()), gaps
    filters = query.filters()
    base: dict[str, Any] = {"Limit": PAGE, **({"Filters": filters} if filters else {})}
    all_pages(api, lambda off: _page(api, {**base, "Offset": off}), PAGE, "InstanceSet", on_page=page_of)
    # a page boundary shifting under us must not duplicate an instance
    return list({i.instance_id: i for i in listed}.values()), []


def distinct(values: Sequence[str]) -> list[str]:
    """Distinct non-empty values in first-seen order."""
    return [v for v in dict.fromkeys(values) if v]
