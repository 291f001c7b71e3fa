"""The account x region matrix a fleet-wide run is split into (``tcremedy shards``).

Each shard is one ordinary ``tcremedy check``/``apply`` run for one account (a tccli profile) and one
region; Tencent's rate limits are per account and region, so shards never slow each other down, and
``apply`` keeps one Pulumi stack per account + region, so shards sharing a backend never share a stack.
The output is what a CI matrix (GitHub Actions ``strategy.matrix: ${{ fromJSON(...) }}``, GitLab
``parallel:matrix``) or a list of Kubernetes Jobs takes: ``{"include": [{account, region, name, args}]}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

DEFAULT_ACCOUNT = "default"  # the credentials found without --profile (environment, default profile)


def shard_name(account: str, region: str) -> str:
    """A name usable as a CI job or Kubernetes object name: lower-case, dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", f"{account}-{region}".lower()).strip("-")[:63]


def shard_matrix(
    accounts: Sequence[str],
    regions: Sequence[str],
    regions_of: Callable[[str], list[str]] | None = None,
) -> dict[str, Any]:
    """``{"include": [...]}``: one entry per account and region. With ``regions_of`` (``--all-regions``)
    each account's regions are asked for (``DescribeRegions`` with that account's credentials)."""
    include = []
    for account in dict.fromkeys(accounts or (DEFAULT_ACCOUNT,)):
        mine = regions_of(account) if regions_of is not None else list(regions)
        for region in dict.fromkeys(mine):
            args = ["--region", region] + ([] if account == DEFAULT_ACCOUNT else ["--profile", account])
            include.append(
                {"account": account, "region": region, "name": shard_name(account, region), "args": args}
            )
    return {"include": include}
