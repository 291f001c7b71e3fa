"""A scenario document: where it comes from (a shipped name or a YAML file), its top-level keys,
and the blocks checked before anything is built (``expect``, ``operator_ip``). Errors name the
file and the field."""

from __future__ import annotations

import ipaddress
import re
from importlib import resources
from pathlib import Path
from typing import Any

from tcremedy.errors import TcremedyError
from tcremedy.safeyaml import YamlInputError, compose

MAX_SCENARIO_BYTES = 4 * 1024 * 1024  # a stated limit (emulator README)

ADMIN_CIDRS = ("203.0.113.0/24", "198.51.100.10/32")  # the default policy's admin CIDRs
TOP_KEYS = {
    "name",
    "description",
    "expect",
    "vpcs",
    "security_groups",
    "network_acls",
    "instances",
    "generator",
    "fleet",
    "operator_ip",
    "service_templates",
    "address_templates",
}


class ScenarioError(TcremedyError):
    """A scenario is unknown, malformed, or could not be built; the message names file and field."""


def shipped() -> list[str]:
    """Names of the scenarios shipped with the package."""
    folder = resources.files("tcremedy.emulator").joinpath("scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read(ref: str) -> tuple[str, dict[str, Any]]:
    """Resolve a scenario name or YAML path to (source label, parsed document)."""
    path = Path(ref)
    if ref.endswith((".yaml", ".yml")) or path.exists():
        source, text = str(path), _read_file(path)
    else:
        resource = resources.files("tcremedy.emulator").joinpath("scenarios", f"{ref}.yaml")
        if not resource.is_file():
            raise ScenarioError(
                f"unknown scenario {ref!r}; expected a file path or one of: {', '.join(shipped())}"
            )
        source, text = f"scenarios/{ref}.yaml", resource.read_text(encoding="utf-8")
    try:  # the safe reader: no tags or aliases, bounded size and depth (tcremedy.safeyaml)
        located = compose(text, max_bytes=MAX_SCENARIO_BYTES)
    except YamlInputError as exc:
        line_col = exc.where[1:].split(":") if exc.where else []
        where = f" line {line_col[0]}, column {line_col[1]}:" if len(line_col) == 2 else ""
        raise ScenarioError(f"{source}:{where} {exc.problem}") from None
    doc = located.plain() if located is not None else None
    if not isinstance(doc, dict):
        raise ScenarioError(f"{source}: expected a mapping with keys {sorted(TOP_KEYS)}")
    unknown = set(doc) - TOP_KEYS
    if unknown:
        raise ScenarioError(
            f"{source}: unknown top-level key(s) {sorted(unknown)}; expected {sorted(TOP_KEYS)}"
        )
    return source, doc


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario file ({exc.strerror})") from None


def default_operator_ip() -> str:
    """The first address of the first admin range: where the operator sits unless a scenario says."""
    net = ipaddress.ip_network(ADMIN_CIDRS[0], strict=False)
    return str(next(iter(net.hosts()), net.network_address))


def operator_ip(source: str, raw: Any) -> str | None:
    if raw is None:
        return None
    try:
        return str(ipaddress.ip_address(str(raw)))
    except ValueError:
        raise ScenarioError(f"{source}: operator_ip: {raw!r} is not an IP address") from None


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", value) is not None


def expect_block(source: str, raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {"root_cause": None}
    if not isinstance(raw, dict) or "root_cause" not in raw:
        raise ScenarioError(
            f"{source}: {where}: expected a mapping with `root_cause` (a finding code or null)"
        )
    # Expected codes are opaque strings to the local cloud (it never imports the diagnosis); the
    # tests that load each scenario check them against the code table.
    code = raw["root_cause"]
    if code is not None and not _is_code(code):
        raise ScenarioError(f"{source}: {where}.root_cause: {code!r} is not a finding code (UPPER_SNAKE)")
    listed = raw.get("unknown") or []
    unknown = [c for c in listed if not _is_code(c)] if isinstance(listed, list) else [listed]
    if unknown:
        raise ScenarioError(f"{source}: {where}.unknown: not finding codes (UPPER_SNAKE): {unknown}")
    return dict(raw)
