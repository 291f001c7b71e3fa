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
      "fixes": [<FixStep>, ...],                      # the fix plan's steps, serialised as they are
      "affected_instances": ["ins-...", ...],            # instances apply would change (automatic fixes)
      "state_fingerprint": "sha256:..."                  # LiveState.fingerprint(affected_instances)
    }

``apply`` re-reads the cloud and refuses the plan when the fingerprint of the affected instances
changed (the plan is stale) or when the policy file no longer hashes to ``policy.sha256``, and
re-derives every step from the policy on disk (``plan_check``): the file says which steps were
reviewed, never what they may do. Plan files written before the fix registry have the same shape and
still read; one that does not validate is refused naming the field, with "re-run `tcremedy plan`".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from tcremedy import __version__
from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.model import FleetDiagnosis, InstanceDiagnosis
from tcremedy.errors import PlanFileError
from tcremedy.remediate.fixes import FIXES, FixStep
from tcremedy.serde import to_data

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


ProposedFix = FixStep  # the name plan/report code used; one record type for a fix step


@dataclass(frozen=True)
class PlanFile:
    created_at: str
    policy_path: str
    policy_sha256: str
    policy_data: dict[str, Any]
    region: str
    endpoint: str
    diagnoses: tuple[InstanceDiagnosis, ...]
    fixes: tuple[FixStep, ...]
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


def propose_fixes(policy: Any, state: LiveState, fleet: FleetDiagnosis) -> tuple[FixStep, ...]:
    """The remediation planner's steps for every failed finding: the plan file's ``fixes`` as they are."""
    from tcremedy.remediate.planner import plan_fixes

    return plan_fixes(policy, state, fleet, available_env=tuple(os.environ)).steps


def build_planfile(
    *,
    created_at: str,
    policy: Any,
    policy_path: str,
    policy_bytes: bytes,
    state: LiveState,
    fleet: FleetDiagnosis,
    fixes: Sequence[FixStep],
) -> PlanFile:
    affected = tuple(sorted({f.instance_id for f in fixes if f.applies}))
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


MAX_PLAN_BYTES = 256 * 1024 * 1024  # a 3,000-instance plan is a few MB
MAX_DEPTH = 64  # JSON nesting; tcremedy writes at most ~12 levels
MAX_ITEMS = 100_000  # items in any one array (fixes, diagnoses, affected_instances...)


def read_planfile(path: Path | str) -> PlanFile:
    """Read and validate a plan file; PlanFileError names the file, the field and what is wrong."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_PLAN_BYTES:
            raise PlanFileError(f"{path}: the plan file is larger than {MAX_PLAN_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(f"{path}: plan file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{path}: cannot read the plan file: {exc}") from None
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}:{exc.colno}: not a JSON plan file ({exc.msg})") from None
    except ValueError as exc:
        raise PlanFileError(f"{path}: not a JSON plan file ({exc})") from None
    except RecursionError:
        raise PlanFileError(f"{path}: not a plan file: JSON nested deeper than {MAX_DEPTH} levels") from None
    return parse_planfile(raw, str(path))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_planfile(raw: Any, source: str = "<plan>") -> PlanFile:
    """Validate plain data as a plan file: every field's type, by the record types' hints."""
    if not isinstance(raw, dict):
        raise PlanFileError(f"{source}: expected a JSON object with format {PLANFILE_FORMAT!r}")
    fmt = raw.get("format")
    if fmt != PLANFILE_FORMAT:
        raise PlanFileError(
            f"{source}: format is {fmt!r}, expected {PLANFILE_FORMAT!r} "
            "(create the plan file with this version of `tcremedy plan --out`)"
        )
    _check_depth(raw, source)
    for key, kind in REQUIRED_KEYS.items():
        if key not in raw:
            raise PlanFileError(f"{source}: missing field {key!r}")
        if not isinstance(raw[key], kind):
            raise PlanFileError(f"{source}: field {key!r} must be a JSON {_kind(kind)}")
    policy = raw["policy"]
    for key, kind in (("path", str), ("sha256", str), ("data", dict)):
        if key not in policy:
            raise PlanFileError(f"{source}: missing field 'policy.{key}'")
        if not isinstance(policy[key], kind):
            raise PlanFileError(f"{source}: field 'policy.{key}' must be a JSON {_kind(kind)}")
    reader = StrictReader(source)
    diagnoses = tuple(
        reader.read(InstanceDiagnosis, d, f"diagnoses[{i}]") for i, d in enumerate(raw["diagnoses"])
    )
    fixes = tuple(reader.read(FixStep, f, f"fixes[{i}]") for i, f in enumerate(raw["fixes"]))
    kinds = FIXES.kinds()
    for i, fix in enumerate(fixes):
        if fix.resource is not None and fix.resource.kind not in kinds:
            raise PlanFileError(
                f"{source}: field 'fixes[{i}].resource.kind' is {fix.resource.kind!r}, expected one of "
                f"{', '.join(kinds)} (re-run `tcremedy plan --out`)"
            )
    affected = raw["affected_instances"]
    for i, iid in enumerate(affected):
        if not isinstance(iid, str):
            raise PlanFileError(f"{source}: field 'affected_instances[{i}]' must be a JSON string")
    return PlanFile(
        created_at=raw["created_at"],
        policy_path=policy["path"],
        policy_sha256=policy["sha256"],
        policy_data=policy["data"],
        region=raw["region"],
        endpoint=raw["endpoint"],
        diagnoses=diagnoses,
        fixes=fixes,
        affected_instances=tuple(affected),
        state_fingerprint=raw["state_fingerprint"],
        tcremedy_version=str(raw.get("tcremedy_version", "")),
    )


def _check_depth(value: Any, source: str) -> None:
    """The stated limits of a plan file's shape: nesting depth and items per array."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise PlanFileError(f"{source}: not a plan file: JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1, f"{where}.{k}" if where else str(k)) for k, v in item.items())
        elif isinstance(item, list):
            if len(item) > MAX_ITEMS:
                raise PlanFileError(
                    f"{source}: field {where or 'document'!r} holds {len(item)} items, more than "
                    f"{MAX_ITEMS} (a stated limit)"
                )
            stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(item))


class StrictReader:
    """``serde.from_data`` that checks every value against the type hints; errors name the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expected: str, value: Any) -> PlanFileError:
        got = "null" if value is None else type(value).__name__
        return PlanFileError(f"{self.source}: field {where!r} must be {expected}, not {got}")

    def read(self, tp: Any, data: Any, where: str) -> Any:
        origin = typing.get_origin(tp)
        if tp is Any:
            return data
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if data is None and len(args) < len(typing.get_args(tp)):
                return None
            return self.read(args[0], data, where) if len(args) == 1 else data
        if origin in (tuple, list):
            if not isinstance(data, list):
                raise self.fail(where, "a JSON array", data)
            item = (typing.get_args(tp) or (Any,))[0]
            items = [self.read(item, v, f"{where}[{i}]") for i, v in enumerate(data)]
            return tuple(items) if origin is tuple else items
        if origin is dict:
            if not isinstance(data, dict):
                raise self.fail(where, "a JSON object", data)
            _, val = typing.get_args(tp) or (Any, Any)
            return {k: self.read(val, v, f"{where}.{k}") for k, v in data.items()}
        if dataclasses.is_dataclass(tp):
            return self._record(tp, data, where)
        if isinstance(tp, type) and issubclass(tp, Enum):
            try:
                return tp(data)
            except ValueError:
                allowed = ", ".join(repr(m.value) for m in tp)
                raise self.fail(where, f"one of {allowed}", data) from None
        return self._scalar(tp, data, where)

    def _record(self, tp: Any, data: Any, where: str) -> Any:
        if not isinstance(data, dict):
            raise self.fail(where, "a JSON object", data)
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = self.read(hints[f.name], data[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise PlanFileError(f"{self.source}: missing field '{where}.{f.name}'")
        return tp(**kwargs)

    def _scalar(self, tp: Any, data: Any, where: str) -> Any:
        if tp is bool:
            if not isinstance(data, bool):
                raise self.fail(where, "true or false", data)
        elif tp is int:
            if not isinstance(data, int) or isinstance(data, bool):
                raise self.fail(where, "an integer", data)
        elif tp is float:
            if not isinstance(data, (int, float)) or isinstance(data, bool) or not math.isfinite(data):
                raise self.fail(where, "a number", data)
            return float(data)
        elif tp is str and not isinstance(data, str):
            raise self.fail(where, "a JSON string", data)
        return data


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _kind(kind: type | tuple[type, ...]) -> str:
    names = {str: "string", dict: "object", list: "array"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
