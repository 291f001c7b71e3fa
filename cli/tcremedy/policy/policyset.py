"""Several policies at once: ``--policy DIR`` loads every ``*.yaml`` in it, and each instance is
judged by the one policy that selects it.

Different teams keep different admin ranges: each policy's ``selector`` (ids, tags, names, regions,
os) claims its instances. An instance two policies select is an error naming both, unless exactly
one of them says ``override: true`` (then that one judges it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tcremedy.cloud.state import Instance
from tcremedy.errors import PolicyError
from tcremedy.policy.loader import load_policy
from tcremedy.policy.model import Policy
from tcremedy.policy.selector import selects


@dataclass(frozen=True)
class PolicySet:
    """The policies of one run, in file-name order, with the files they came from."""

    policies: tuple[Policy, ...]
    paths: tuple[Path, ...]
    directory: Path | None = None  # set when ``--policy`` named a directory

    def assign(self, instances: Iterable[Instance]) -> dict[str, Policy]:
        """Instance id -> the policy that judges it (instances no policy selects are left out)."""
        out: dict[str, Policy] = {}
        for inst in instances:
            claims = [p for p in self.policies if selects(p.selector, inst)]
            if len(claims) > 1:
                overrides = [p for p in claims if p.override]
                if len(overrides) != 1:
                    a, b = (overrides if len(overrides) > 1 else claims)[:2]
                    raise PolicyError(
                        f"instance {inst.instance_id} ({inst.name or 'no name'}) is selected by policy "
                        f"{a.name!r} ({a.source}) and policy {b.name!r} ({b.source}); narrow their "
                        "selectors, or mark exactly one of them `override: true`"
                    )
                claims = overrides
            if claims:
                out[inst.instance_id] = claims[0]
        return out

    def selects_any(self, instance: Instance) -> bool:
        return any(selects(p.selector, instance) for p in self.policies)


def load_policy_set(path: Path) -> PolicySet:
    """A policy file, or a directory of them (every ``*.yaml``, sorted by name)."""
    if not path.is_dir():
        return PolicySet((load_policy(path),), (path,))
    files = sorted(p for p in path.glob("*.yaml") if p.is_file())
    if not files:
        raise PolicyError(f"{path}: no *.yaml policy files in this directory")
    policies = tuple(load_policy(f) for f in files)
    seen: dict[str, Path] = {}
    for policy, file in zip(policies, files, strict=True):
        if policy.name in seen:
            raise PolicyError(
                f"{file}: name: policy {policy.name!r} is also defined in {seen[policy.name]}; "
                "expected one name per policy"
            )
        seen[policy.name] = file
    return PolicySet(policies, tuple(files), path)
