"""VNC console links for manual steps (DescribeInstanceVncUrl): the guide's way in when RDP is down.

The API's URL is single-use and valid for about 15 seconds, so it is fetched at apply time and
shown wrapped in Tencent's VNC page; a stopped instance has none (the API refuses it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from tcremedy.cloud.api import ApiError, CloudApi
from tcremedy.cloud.clients import Endpoint, make_clients

VNC_PAGE = "https://img.qcloud.com/qcloud/app/active_vnc/index.html?InstanceVncUrl="


def vnc_urls(credential: Any, region: str, endpoint: Endpoint, instance_ids: Sequence[str]) -> dict[str, str]:
    """instance id -> VNC page URL, or a sentence saying why there is none."""
    api = CloudApi(make_clients(credential, region, endpoint), concurrency=1)
    links: dict[str, str] = {}
    for iid in instance_ids:
        try:
            raw = api.call("cvm", "DescribeInstanceVncUrl", {"InstanceId": iid}).get("InstanceVncUrl", "")
        except ApiError as exc:
            links[iid] = f"no VNC console URL ({exc.code}: {exc.message})"
            continue
        # The API returns the wss:// URL already URL-encoded; encode it only if it is not.
        value = raw if "%" in raw else quote(raw, safe="")
        links[iid] = (
            f"{VNC_PAGE}{value} (single-use, valid ~15 s)" if value else "no VNC console URL returned"
        )
    return links
