"""Which waivers of a policy cover an instance, and whether a waiver has run out (pure)."""

from __future__ import annotations

from datetime import date
from fnmatch import fnmatchcase

from tcremedy.cloud.state import Instance
from tcremedy.policy.model import Policy, Waiver


def covers(waiver: Waiver, instance: Instance) -> bool:
    """Every criterion the waiver gives must hold (a loaded waiver gives at least one)."""
    if not (waiver.instance_ids or waiver.tags or waiver.names):
        return False
    if waiver.instance_ids and instance.instance_id not in waiver.instance_ids:
        return False
    if waiver.names and not any(fnmatchcase(instance.name, p) for p in waiver.names):
        return False
    return all(instance.tags.get(k) == v for k, v in waiver.tags.items())


def is_expired(waiver: Waiver, today: date) -> bool:
    """A waiver holds through its ``expires`` day."""
    return date.fromisoformat(waiver.expires) < today


def label(policy: Policy, index: int) -> str:
    """How messages name a waiver: ``policies/x.yaml: waivers[1] ("reason", expires 2026-01-31)``."""
    waiver = policy.waivers[index]
    where = f"{policy.source}: " if policy.source else ""
    return f'{where}waivers[{index}] ("{waiver.reason}", expires {waiver.expires})'


def waiver_for(policy: Policy, instance: Instance, code: str, today: date) -> tuple[int, bool] | None:
    """(index, expired) of the first waiver naming ``code`` for ``instance``; a live one wins."""
    found = None
    for i, waiver in enumerate(policy.waivers):
        if code in waiver.codes and covers(waiver, instance):
            if not is_expired(waiver, today):
                return i, False
            found = found or (i, True)
    return found
