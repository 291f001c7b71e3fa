"""What a declaration names by id but does not declare, read from the cloud (the CrossGuard pack's
second source, after what the same program declares): templates and bound security groups.

A security-group rule may name an existing address template (``ipm-``), address template group
(``ipmg-``), protocol template (``ppm-``) or group (``ppmg-``) by its id. When the program does not
declare it, the pack asks the cloud: DescribeAddressTemplates / DescribeAddressTemplateGroups /
DescribeServiceTemplates / DescribeServiceTemplateGroups (``AddressSet``, ``AddressTemplateIdSet``,
``ServiceSet``, ``ServiceTemplateIdSet``: tencentcloud-sdk-python ``vpc/v20170312/models.py``),
read once per preview, with the credentials and endpoint of the engine's environment
(``TENCENTCLOUD_SECRET_ID``/``_SECRET_KEY``/``_SESSION_TOKEN``, ``TCREMEDY_ENDPOINT``,
``TENCENTCLOUD_REGION``). Without credentials, or when a call fails or the id is not found, the
answer is None: the reference cannot be verified (the pack's documented choice: refuse it).

A security group bound to an instance by id (``sg-``) is read with DescribeSecurityGroupPolicies
(``SecurityGroupPolicySet.Ingress``), once per group.
"""

from __future__ import annotations

import os
from typing import Any

from tcremedy.remediate.crossguard import ADDRESS, address_cidrs
from tcremedy.remediate.rule_match import Templates

PAGE = 100
LISTINGS = {  # Templates field -> (action, set key, id key, members key)
    "addresses": ("DescribeAddressTemplates", "AddressTemplateSet", "AddressTemplateId", "AddressSet"),
    "address_groups": (
        "DescribeAddressTemplateGroups", "AddressTemplateGroupSet", "AddressTemplateGroupId",
        "AddressTemplateIdSet",
    ),
    "services": ("DescribeServiceTemplates", "ServiceTemplateSet", "ServiceTemplateId", "ServiceSet"),
    "service_groups": (
        "DescribeServiceTemplateGroups", "ServiceTemplateGroupSet", "ServiceTemplateGroupId",
        "ServiceTemplateIdSet",
    ),
}  # fmt: skip


class CloudReader:
    """``resolve(kind, ref)`` for literal template ids and ``group_ingress(sg)`` for bound security
    groups, from the cloud (read lazily, once)."""

    def __init__(self) -> None:
        self._templates: Templates | None = None
        self._failed = False
        self._groups: dict[str, list[dict[str, Any]] | None] = {}

    def group_ingress(self, group: str) -> list[dict[str, Any]] | None:
        if group not in self._groups:
            try:
                found = _api().call("vpc", "DescribeSecurityGroupPolicies", {"SecurityGroupId": group})
                self._groups[group] = list((found.get("SecurityGroupPolicySet") or {}).get("Ingress") or ())
            except Exception:  # no credentials, an unreachable endpoint, a missing group: not readable
                self._groups[group] = None
        return self._groups[group]

    def resolve(self, kind: str, ref: str) -> tuple[str, ...] | None:
        if not ref.startswith(("ipm-", "ipmg-", "ppm-", "ppmg-")):
            return None
        templates = self._load()
        if templates is None:
            return None
        if kind == ADDRESS:
            members = _members(ref, "ipmg-", templates.addresses, templates.address_groups)
            if members is None:
                return None
            cidrs: list[str] = []
            for member in members:
                found = address_cidrs(member)
                if found is None:
                    return None
                cidrs += found
            return tuple(cidrs)
        members = _members(ref, "ppmg-", templates.services, templates.service_groups)
        return None if members is None else tuple(members)

    def _load(self) -> Templates | None:
        if self._templates is None and not self._failed:
            try:
                self._templates = _read_templates()
            except Exception:  # no credentials, an unreachable endpoint, an API error: unverifiable
                self._failed = True
        return self._templates


def _members(ref: str, group_prefix: str, singles: dict, groups: dict) -> list[str] | None:
    ids = list(groups.get(ref, ())) if ref.startswith(group_prefix) else [ref]
    if ref.startswith(group_prefix) and ref not in groups:
        return None
    out: list[str] = []
    for tid in ids:
        if tid not in singles:
            return None
        out += list(singles[tid])
    return out


def _api() -> Any:
    from tcremedy.cloud.clients import resolve_region
    from tcremedy.remediate.sdk_common import api_for

    if not os.environ.get("TENCENTCLOUD_SECRET_ID") or not os.environ.get("TENCENTCLOUD_SECRET_KEY"):
        raise LookupError("no credentials")
    return api_for(resolve_region(None))


def _read_templates() -> Templates:
    from tcremedy.cloud.api import all_pages

    api = _api()
    found: dict[str, Any] = {}
    for name, (action, set_key, id_key, members_key) in LISTINGS.items():

        def page(offset: int, action: str = action) -> dict[str, Any]:
            return api.call("vpc", action, {"Offset": offset, "Limit": PAGE})

        items = all_pages(api, page, PAGE, set_key)
        found[name] = {i[id_key]: tuple(i.get(members_key) or ()) for i in items}
    return Templates(**found)
