"""Scenarios: YAML descriptions of a small cloud, built through the public API's own handlers.

The loader calls the registered action handlers (``dispatch.resolve(service, version, action)``)
with wire-form parameters, exactly as a client would (CreateVpc, CreateSubnet,
CreateSecurityGroup, CreateSecurityGroupPolicies, CreateNetworkAcl, ModifyNetworkAclEntries,
AssociateNetworkAclSubnets, RunInstances, StopInstances, ResetInstancesInternetMaxBandwidth,
ResetInstancesPassword). Only facts no API can set (guest, load, isolation, a failing password
reset) go through CVM backend control methods. The format is documented in
``tcremedy/emulator/README.md``; shipped scenarios live in ``tcremedy/emulator/scenarios/``.

This module loads one into a world; ``scenario_doc`` reads and checks the document,
``scenario_build`` makes the API calls, ``scenario_fleet`` generates the ``fleet`` scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tcremedy.emulator.core.dispatch import load_services
from tcremedy.emulator.core.world import World
from tcremedy.emulator.defaults import DEFAULT_FLEET_SIZE
from tcremedy.emulator.scenario_build import Builder
from tcremedy.emulator.scenario_doc import (
    ScenarioError,
    default_operator_ip,
    expect_block,
    operator_ip,
    read,
    shipped,
)
from tcremedy.emulator.scenario_fleet import fleet_options, fleet_spec

__all__ = [
    "LoadedScenario",
    "ScenarioError",
    "default_operator_ip",
    "is_generated",
    "load",
    "read",
    "shipped",
]


@dataclass(frozen=True)
class LoadedScenario:
    name: str
    expect: dict[str, Any]
    instances: dict[str, str | None]  # instance id -> expected root cause (None = healthy / ignored)


def load(world: World, ref: str, *, region: str, fleet_size: int = DEFAULT_FLEET_SIZE) -> LoadedScenario:
    """Build scenario ``ref`` into ``world`` (which should be empty) and record it in ``world.meta``."""
    load_services()
    source, doc = read(ref)
    is_fleet = doc.get("generator") == "fleet"
    if is_fleet:
        doc = {
            **fleet_spec(
                fleet_size, seed=world.seed, region=region, **fleet_options(source, doc.get("fleet"))
            ),
            **{k: v for k, v in doc.items() if k not in ("generator", "fleet")},
        }
    elif "generator" in doc:
        raise ScenarioError(f"{source}: generator: unknown generator {doc['generator']!r}; expected 'fleet'")
    builder = Builder(world.region(region), source)
    with world.lock:
        try:
            built = builder.build(doc)
        except ScenarioError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:  # a shape not checked
            detail = f"{type(exc).__name__}: {exc}"[:200]
            raise ScenarioError(f"{source}: cannot build the scenario ({detail})") from None
    name = str(doc.get("name") or Path(source).stem)
    expect = expect_block(source, doc.get("expect"), "expect")
    world.meta = {
        "scenario": name,
        "scenario_ref": ref,
        "expect": expect,
        "instances": built,
        "fleet_size": fleet_size if is_fleet else None,
        "operator_ip": operator_ip(source, doc.get("operator_ip")),
    }
    return LoadedScenario(name, expect, built)


def is_generated(name: str) -> bool:
    """True for scenarios built by a generator (a fleet), which carry no single expected cause."""
    return "generator" in read(name)[1]
