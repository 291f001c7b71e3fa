"""The plan file (``tcremedy plan --out FILE``): the input of ``tcremedy apply``.

Format ``tcremedy.planfile/v1``, JSON::

    {
      "format": "tcremedy.planfile/v1",
      "created_at": "2026-11-24T10:00:00+00:00",
      "tcremedy_version": "0.1.0",
      "policy": {"path": "...", "sha256": "<hex of the policy file's bytes>", "data": {<Policy>}},
      "region": "ap-guangzhou",
      "endpoint": "http://127.0.0.1:8080" | "",
      "diagnoses": [<InstanceDiagnosis>, ...],          # every selected instance
      "fixes": [{"fix", "instance_id", "finding_code", "auto", "description", "parameters"}, ...],
      "affected_instances": ["ins-...", ...],            # instances apply would change (automatic fixes)
      "state_fingerprint": "sha256:..."                  # LiveState.fingerprint(affected_instances)
    }

``apply`` re-reads the cloud and refuses the plan when the fingerprint of the affected instances
changed (the plan is stale) or when the policy file no longer hashes to ``policy.sha256``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tcremedy import __version__
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.model import FleetDiagnosis, InstanceDiagnosis
from tcremedy.errors import PlanFileError
from tcremedy.serde import from_data, to_data

PLANFILE_FORMAT = "tcremedy.planfile/v1"
REQUIRED_KEYS: dict[str, type | tuple[type, ...]] = {
    "format": str,
    "created_at": str,
    "policy": dict,
    "region": str,
    "endpoint": str,
    "diagnoses": list,
    "fixes": list,
    "affected_instances": list,
    "state_fingerprint": str,
}


@dataclass(frozen=True)
class ProposedFix:
    """One fix the plan proposes for one finding of one instance."""

    fix: str  # name in the remediation registry (tcremedy.policy.model.FIX_NAMES), or "manual"
    instance_id: str
    finding_code: str
    auto: bool  # the policy lets it run without naming it (Policy.allows_fix)
    parameters: dict[str, Any] = field(default_factory=dict)
    description: str = ""  # what the fix does and why
    manual: str = ""  # what to do by hand, when it does not run automatically
    resource: dict[str, Any] | None = None  # the planner's FixResource, as plain data


@dataclass(frozen=True)
class PlanFile:
    created_at: str
    policy_path: str
    policy_sha256: str
    policy_data: dict[str, Any]
    region: str
    endpoint: str
    diagnoses: tuple[InstanceDiagnosis, ...]
    fixes: tuple[ProposedFix, ...]
    affected_instances: tuple[str, ...]
    state_fingerprint: str
    tcremedy_version: str = __version__
    format: str = PLANFILE_FORMAT

    def policy(self) -> Any:
        """The policy the plan was computed with, as ``tcremedy.policy.model.Policy``."""
        from tcremedy.policy.loader import policy_from_data

        return policy_from_data(self.policy_data, "plan file: policy.data")


def sha256_text(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def propose_fixes(policy: Any, state: LiveState, fleet: FleetDiagnosis) -> tuple[ProposedFix, ...]:
    """The remediation planner's steps for every failed finding, as plain ProposedFix records."""
    from tcremedy.remediate.planner import plan_fixes

    plan = plan_fixes(policy, state, fleet, available_env=tuple(os.environ))
    return tuple(
        ProposedFix(
            fix=step.fix,
            instance_id=step.instance_id,
            finding_code=step.finding_code,
            auto=step.automatic,
            parameters=dict(step.params),
            description=step.reason,
            manual=step.manual,
            resource=to_data(step.resource) if step.resource is not None else None,
        )
        for step in plan.steps
    )


def build_planfile(
    *,
    created_at: str,
    policy: Any,
    policy_path: str,
    policy_bytes: bytes,
    state: LiveState,
    fleet: FleetDiagnosis,
    fixes: Sequence[ProposedFix],
) -> PlanFile:
    affected = tuple(sorted({f.instance_id for f in fixes if f.auto and f.resource is not None}))
    return PlanFile(
        created_at=created_at,
        policy_path=policy_path,
        policy_sha256=sha256_text(policy_bytes),
        policy_data=to_data(policy),
        region=state.region,
        endpoint=state.endpoint,
        diagnoses=fleet.instances,
        fixes=tuple(fixes),
        affected_instances=affected,
        state_fingerprint=state.fingerprint(affected),
    )


def planfile_data(plan: PlanFile) -> dict[str, Any]:
    return {
        "format": plan.format,
        "created_at": plan.created_at,
        "tcremedy_version": plan.tcremedy_version,
        "policy": {"path": plan.policy_path, "sha256": plan.policy_sha256, "data": plan.policy_data},
        "region": plan.region,
        "endpoint": plan.endpoint,
        "diagnoses": to_data(plan.diagnoses),
        "fixes": to_data(plan.fixes),
        "affected_instances": list(plan.affected_instances),
        "state_fingerprint": plan.state_fingerprint,
    }


def write_planfile(path: Path | str, plan: PlanFile) -> None:
    path = Path(path)
    text = json.dumps(planfile_data(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot write the plan file: {exc.strerror or exc}") from None


def read_planfile(path: Path | str) -> PlanFile:
    """Read and validate a plan file; PlanFileError names the file and what is wrong."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanFileError(f"{path}: plan file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{path}: cannot read the plan file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}:{exc.colno}: not a JSON plan file ({exc.msg})") from None
    return parse_planfile(raw, str(path))


def parse_planfile(raw: Any, source: str = "<plan>") -> PlanFile:
    if not isinstance(raw, dict):
        raise PlanFileError(f"{source}: expected a JSON object with format {PLANFILE_FORMAT!r}")
    fmt = raw.get("format")
    if fmt != PLANFILE_FORMAT:
        raise PlanFileError(
            f"{source}: format is {fmt!r}, expected {PLANFILE_FORMAT!r} "
            "(create the plan file with this version of `tcremedy plan --out`)"
        )
    for key, kind in REQUIRED_KEYS.items():
        if key not in raw:
            raise PlanFileError(f"{source}: missing field {key!r}")
        if not isinstance(raw[key], kind):
            raise PlanFileError(f"{source}: field {key!r} must be a JSON {_kind(kind)}")
    policy = raw["policy"]
    for key in ("path", "sha256", "data"):
        if key not in policy:
            raise PlanFileError(f"{source}: missing field 'policy.{key}'")
    try:
        diagnoses = tuple(from_data(InstanceDiagnosis, d) for d in raw["diagnoses"])
        fixes = tuple(from_data(ProposedFix, f) for f in raw["fixes"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(
            f"{source}: malformed diagnoses or fixes ({exc.__class__.__name__}: {exc})"
        ) from None
    return PlanFile(
        created_at=raw["created_at"],
        policy_path=str(policy["path"]),
        policy_sha256=str(policy["sha256"]),
        policy_data=policy["data"],
        region=raw["region"],
        endpoint=raw["endpoint"],
        diagnoses=diagnoses,
        fixes=fixes,
        affected_instances=tuple(raw["affected_instances"]),
        state_fingerprint=raw["state_fingerprint"],
        tcremedy_version=str(raw.get("tcremedy_version", "")),
    )


def _kind(kind: type | tuple[type, ...]) -> str:
    names = {str: "string", dict: "object", list: "array"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
