"""Which instances a policy applies to (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from tcremedy.cloud.collect_cvm import InstanceQuery
from tcremedy.cloud.state import Instance
from tcremedy.policy.model import Selector

GLOB_CHARS = frozenset("*?[")  # a name with these is matched client-side


def is_windows(instance: Instance) -> bool:
    """Windows by the collected platform, else by OsName (the API has no platform field)."""
    return instance.platform.upper() == "WINDOWS" or "windows" in instance.os_name.lower()


def selects(selector: Selector, instance: Instance) -> bool:
    """All given criteria must hold; an empty criterion does not restrict."""
    if selector.instance_ids and instance.instance_id not in selector.instance_ids:
        return False
    if selector.regions and instance.region not in selector.regions:
        return False
    if selector.names and not any(fnmatchcase(instance.name, p) for p in selector.names):
        return False
    if any(instance.tags.get(k) != v for k, v in selector.tags.items()):
        return False
    return selector.os == "any" or is_windows(instance)


def query_for_selector(selector: Selector, extra_ids: Sequence[str] = ()) -> InstanceQuery:
    """Push down what DescribeInstances can filter on: ids (exclusive with filters in the API), else
    tags and a single glob-free name. ``extra_ids`` (``--instance``) narrow the policy's ids."""
    ids = tuple(selector.instance_ids)
    if extra_ids:
        ids = tuple(i for i in extra_ids if not ids or i in ids) or tuple(extra_ids)
    if ids:
        return InstanceQuery(instance_ids=ids)
    names = tuple(selector.names)
    exact = names[0] if len(names) == 1 and not GLOB_CHARS & set(names[0]) else ""
    return InstanceQuery(tags=dict(selector.tags), name=exact)
