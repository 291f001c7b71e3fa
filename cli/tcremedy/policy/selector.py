"""Which instances a policy applies to (pure)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from tcremedy.cloud.state import Instance
from tcremedy.policy.model import Selector


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
