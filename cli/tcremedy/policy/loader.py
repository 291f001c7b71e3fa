"""Read a policy file into a ``Policy``; the only I/O in the policy room.

The YAML is composed into a node tree by a safe reader (``yamlsafe.py``: no tags, no aliases,
bounded size and depth) and turned into plain data while remembering each value's node, so that
every error of the pydantic schema (``model.py``) can name ``file:line:column``, the dotted field
and what was expected. The rules that span fields (no Internet-wide RDP without
``allow_public_rdp``, ``reset_password`` needs ``password_env``) are checked here, after the schema.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tcremedy.errors import PolicyError
from tcremedy.policy.model import API_VERSION, HEADER_KEYS, KIND, LIST_KEYS, SECTIONS, Policy
from tcremedy.policy.values import describe, is_public_cidr
from tcremedy.safeyaml import MAX_POLICY_BYTES, Located, YamlInputError, compose

DEFAULT_POLICY_RELPATH = Path("policies") / "windows-rdp.yaml"
_PACKAGED_DEFAULT = "default-policy.yaml"
TOP_LEVEL_KEYS: tuple[str, ...] = (*HEADER_KEYS, *SECTIONS, *LIST_KEYS)
_ADAPTER: TypeAdapter[Policy] | None = None


def packaged_default_policy() -> Path:
    """The default policy shipped inside the package (identical to policies/windows-rdp.yaml)."""
    return Path(str(resources.files("tcremedy.policy").joinpath(_PACKAGED_DEFAULT)))


def resolve_policy_path(explicit: Path | None, cwd: Path) -> Path:
    """``--policy`` (relative to ``cwd``), else ./policies/windows-rdp.yaml, else the packaged copy."""
    if explicit is not None:
        return explicit if explicit.is_absolute() else cwd / explicit
    local = cwd / DEFAULT_POLICY_RELPATH
    return local if local.is_file() else packaged_default_policy()


def load_policy(path: Path | str) -> Policy:
    """Load and validate a policy file; raises PolicyError naming file, line, column and field."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_POLICY_BYTES + 1)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found") from None
    except IsADirectoryError:
        raise PolicyError(f"{path}: is a directory; expected a policy file") from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text (byte {exc.start}); expected a YAML policy file") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy file: {exc.strerror or exc}") from None
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate policy YAML text; ``source`` names the file in error messages."""
    try:
        doc = compose(text)
    except YamlInputError as exc:
        raise PolicyError(f"{source}{exc.where}: {exc.problem}") from None
    return _Reader(source, doc).read()


def policy_from_data(data: Any, source: str = "") -> Policy:
    """Rebuild a policy from plain data (a plan file's copy), schema-checked; PolicyError when invalid."""
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source or 'policy'}: got {describe(data)}; expected a mapping of policy settings"
        )
    try:
        return _adapter().validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise PolicyError(f"{source or 'policy'}: {where}: {_message(err)}") from None


def _adapter() -> TypeAdapter[Policy]:
    global _ADAPTER
    if _ADAPTER is None:
        _ADAPTER = TypeAdapter(Policy)
    return _ADAPTER


class _Reader:
    def __init__(self, source: str, doc: Located | None) -> None:
        self.source = source
        self.doc = doc

    def fail(self, node: Located | None, field: str, problem: str, expected: str = "") -> typing.NoReturn:
        where = self.source + (node.where if node is not None else "")
        msg = f"{where}: {field}: {problem}" if field else f"{where}: {problem}"
        if expected:
            msg += f"; expected {expected}"
        raise PolicyError(msg)

    def read(self) -> Policy:
        root = self.doc
        if root is None or root.value is None:
            self.fail(root, "", "the policy file is empty", f"a mapping with apiVersion: {API_VERSION}")
        if not isinstance(root.value, dict):
            self.fail(root, "document", f"got {describe(root.plain())}", "a mapping of keys")
        top: dict[str, Located] = root.value
        for key in top:
            if key not in TOP_LEVEL_KEYS:
                self._unknown_key(root.keys[key], _show(key), TOP_LEVEL_KEYS)
        for key, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
            if key not in top:
                self.fail(root, key, "missing", f"{key}: {expected}")
            if top[key].value != expected:
                self.fail(top[key], key, f"unsupported value {top[key].value!r}", repr(expected))
        if "name" not in top:
            self.fail(root, "name", "missing", "a policy name such as windows-rdp")
        data = {key: node.plain() for key, node in top.items()}
        for key in SECTIONS:  # an absent or empty section takes the defaults
            if data.get(key) is None:
                data[key] = {}
        for key in LIST_KEYS:
            if key in data and data[key] is None:
                data[key] = []
        try:
            policy = _adapter().validate_python(data)
        except ValidationError as exc:
            self._report(exc)
        policy = dataclasses.replace(policy, source=self.source)
        self.cross_checks(policy, top)
        return policy

    def _unknown_key(self, node: Located, path: str, allowed: tuple[str, ...]) -> typing.NoReturn:
        name = path.rsplit(".", 1)[-1]
        path = path if path.isprintable() else repr(path)
        hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        problem = f"unknown key (did you mean {hint[0]!r}?)" if hint else "unknown key"
        self.fail(node, path, problem, "one of " + ", ".join(allowed))

    def _report(self, exc: ValidationError) -> typing.NoReturn:
        """The first error in file order, at its node."""
        errors = exc.errors()
        locs = [tuple(e["loc"]) for e in errors]
        located = []
        for err in errors:
            loc = tuple(err["loc"])
            if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
                continue  # a list's length counted after its items failed: report the item
            node, key_node = self._node_at(loc)
            located.append(((node.line, node.column) if node else (0, 0), err, node, key_node, loc))
        located.sort(key=lambda t: t[0])
        _, err, node, key_node, loc = located[0]
        field = _dotted(loc)
        if err["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
            self._unknown_key(key_node or node, field, _fields_at(loc[:-1]))
        raise PolicyError(self._line(node, field, err))

    def _line(self, node: Located | None, field: str, err: Any) -> str:
        where = self.source + (node.where if node is not None else "")
        return f"{where}: {field}: {_message(err)}"

    def _node_at(self, loc: tuple[Any, ...]) -> tuple[Located | None, Located | None]:
        """The deepest node on ``loc`` (and the key node when the last step is a mapping key)."""
        node = self.doc
        key_node = None
        for part in loc:
            if node is None:
                break
            if isinstance(node.value, dict) and part in node.value:
                key_node = node.keys.get(part)
                node = node.value[part]
            elif isinstance(node.value, list) and isinstance(part, int) and 0 <= part < len(node.value):
                key_node = None
                node = node.value[part]
            elif part == "[key]":
                return key_node, key_node
            else:
                # a missing key or unknown path: the mapping it belongs in
                return node, None
        return node, key_node

    # -- rules across fields ---------------------------------------------------------------------
    def cross_checks(self, policy: Policy, top: dict[str, Located]) -> None:
        rdp = top.get("rdp")
        if not policy.rdp.allow_public_rdp:
            for i, cidr in enumerate(policy.rdp.admin_cidrs):
                if is_public_cidr(cidr):
                    node, _ = self._node_at(("rdp", "admin_cidrs", i))
                    self.fail(
                        node or rdp,
                        f"rdp.admin_cidrs[{i}]",
                        f"{cidr} opens RDP to the whole Internet",
                        "specific admin CIDRs, or `allow_public_rdp: true` to allow this on purpose",
                    )
        for i, waiver in enumerate(policy.waivers):
            if not (waiver.instance_ids or waiver.tags or waiver.names):
                node, _ = self._node_at(("waivers", i))
                self.fail(
                    node,
                    f"waivers[{i}]",
                    "selects no instance (a waiver for every instance would switch the gate off)",
                    "instance_ids, tags and/or names",
                )
        if "reset_password" in policy.fixes.auto and not policy.fixes.password_env:
            self.fail(
                top.get("fixes"),
                "fixes.password_env",
                "reset_password is listed in fixes.auto but password_env is not set",
                "password_env: NAME of an environment variable",
            )


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " key"
        else:
            out += f".{_show(part)}" if out else _show(part)
    return out


def _show(key: Any) -> str:
    """A key as messages print it: as is when it is a plain name, else quoted (one line always)."""
    text = str(key)
    return text if text and text.isprintable() and " " not in text else repr(text)


def _fields_at(loc: tuple[Any, ...]) -> tuple[str, ...]:
    """The YAML keys allowed in the mapping at ``loc`` (for the did-you-mean)."""
    cls: Any = Policy
    for part in loc:
        hints = typing.get_type_hints(cls)
        cls = hints.get(part)
        if cls is None or not dataclasses.is_dataclass(cls):
            return ()
    if cls is Policy:
        return TOP_LEVEL_KEYS
    return tuple(f.name for f in dataclasses.fields(cls))


_TYPE_WORDS = {
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "a string",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a mapping of key: value strings",
    "dataclass_type": "a mapping of keys",
    "model_type": "a mapping of keys",
}


def _message(err: Any) -> str:
    """One pydantic error as ``<problem>; expected <what>`` in the loader's words."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "policy":
        return f"{ctx['problem']}; expected {ctx['expected']}"
    if kind in _TYPE_WORDS:
        return f"got {describe(value)}; expected {_TYPE_WORDS[kind]}"
    if kind == "finite_number":
        return f"got {value}; expected a finite number (not .nan or .inf)"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{value} is below the minimum; expected a number >= {ctx.get('ge', ctx.get('gt')):g}"
    if kind in ("less_than_equal", "less_than"):
        return f"{value} is above the maximum; expected a number <= {ctx.get('le', ctx.get('lt')):g}"
    if kind == "too_short":
        if ctx.get("actual_length") == 0:
            return "required and must not be empty (there is no default); expected at least one item"
        return f"too few items; expected at least {ctx.get('min_length')}"
    if kind == "too_long":
        limit = ctx.get("max_length")
        return f"more than {limit} items; expected at most {limit} (a stated limit)"
    if kind == "string_too_long":
        return f"longer than {ctx.get('max_length')} characters; expected a shorter string"
    if kind == "literal_error":
        return f"got {value!r}; expected one of {ctx['expected'].replace(' or ', ', ')}"
    if kind in ("missing", "missing_argument"):
        return "required (there is no default); expected a value"
    return f"{err['msg']}; expected a valid value"
