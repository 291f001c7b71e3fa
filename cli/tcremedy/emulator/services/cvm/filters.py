"""DescribeInstances filters: AND between filters, OR between a filter's values."""

from __future__ import annotations

from collections.abc import Callable

from tcremedy.emulator.core.errors import ApiError
from tcremedy.emulator.services.cvm.instance import Instance

Predicate = Callable[[Instance, list[str]], bool]

FILTERS: dict[str, Predicate] = {
    "instance-id": lambda i, vs: i.instance_id in vs,
    "instance-name": lambda i, vs: any(v in i.name for v in vs),  # vague (substring) match
    "instance-state": lambda i, vs: i.state in vs,
    "zone": lambda i, vs: i.zone in vs,
    "vpc-id": lambda i, vs: i.vpc_id in vs,
    "subnet-id": lambda i, vs: i.subnet_id in vs,
    "security-group-id": lambda i, vs: any(sg in vs for sg in i.security_group_ids),
    "private-ip-address": lambda i, vs: any(ip in vs for ip in i.private_ips),
    "public-ip-address": lambda i, vs: any(ip in vs for ip in i.public_ips),
    "instance-charge-type": lambda i, vs: i.instance_charge_type in vs,
    "project-id": lambda i, vs: "0" in vs,
    "uuid": lambda i, vs: i.uuid in vs,
    "image-id": lambda i, vs: i.image_id in vs,
    "tag-key": lambda i, vs: any(k in vs for k in i.tags),
    "tag-value": lambda i, vs: any(v in vs for v in i.tags.values()),
}


def predicate(name: str) -> Predicate:
    if name.startswith("tag:") and len(name) > 4:
        key = name[4:]
        return lambda i, vs: key in i.tags and i.tags[key] in vs
    found = FILTERS.get(name)
    if found is None:
        raise ApiError(
            f"The filter `{name}` is not supported; supported: {sorted(FILTERS)} and tag:<key>.",
            code="InvalidFilter",
        )
    return found


def matching(instances: list[Instance], filters: list[tuple[str, list[str]]]) -> list[Instance]:
    if not filters:
        return instances
    checks = [(predicate(name), values) for name, values in filters]
    return [i for i in instances if all(check(i, values) for check, values in checks)]
