"""Read a policy file into a ``Policy``; the only I/O in the policy room.

The YAML is composed into a node tree (not constructed straight to dicts) so that every error
can name ``file:line:column``, the dotted field and what was expected. The settings and their
constraints come from the dataclasses in ``model.py``; nothing about fields is repeated here.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import re
import types
import typing
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tcremedy.errors import PolicyError
from tcremedy.policy.model import API_VERSION, FIX_NAMES, KIND, SECTIONS, Policy, is_public_cidr

DEFAULT_POLICY_RELPATH = Path("policies") / "windows-rdp.yaml"
_PACKAGED_DEFAULT = "default-policy.yaml"
TOP_LEVEL_KEYS: tuple[str, ...] = ("apiVersion", "kind", "name", "description", *SECTIONS)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read policy file: {exc}") from None
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate policy YAML text; ``source`` names the file in error messages."""
    return _Reader(source).read(text)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self._loader: yaml.SafeLoader | None = None

    # -- errors ---------------------------------------------------------------------------
    def fail(self, node: yaml.Node | None, field: str, problem: str, expected: str = "") -> typing.NoReturn:
        where = self.source
        if node is not None:
            where += f":{node.start_mark.line + 1}:{node.start_mark.column + 1}"
        msg = f"{where}: {field}: {problem}" if field else f"{where}: {problem}"
        if expected:
            msg += f"; expected {expected}"
        raise PolicyError(msg)

    # -- document ---------------------------------------------------------------------------
    def read(self, text: str) -> Policy:
        self._loader = yaml.SafeLoader(text)
        try:
            root = self._loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            raise PolicyError(f"{self.source}{pos}: invalid YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise PolicyError(f"{self.source}: invalid YAML: {exc}") from None
        if root is None:
            self.fail(None, "", "the policy file is empty", f"a mapping with apiVersion: {API_VERSION}")
        top = self.mapping(root, "", TOP_LEVEL_KEYS)
        for key, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
            if key not in top:
                self.fail(root, key, "missing", f"{key}: {expected}")
            _, vnode = top[key]
            if self.scalar(vnode, key) != expected:
                self.fail(vnode, key, f"unsupported value {self.scalar(vnode, key)!r}", repr(expected))
        if "name" not in top:
            self.fail(root, "name", "missing", "a policy name such as windows-rdp")
        name = self.typed(top["name"][1], "name", str)
        if not _NAME.match(name):
            self.fail(top["name"][1], "name", f"invalid name {name!r}", "letters, digits, '.', '_' or '-'")
        description = self.typed(top["description"][1], "description", str) if "description" in top else ""
        sections: dict[str, Any] = {}
        for key, cls in SECTIONS.items():
            node = top[key][1] if key in top else None
            sections[key] = self.section(cls, node, key, root)
        policy = Policy(name=name, description=description, source=self.source, **sections)
        self.cross_checks(policy, top, root)
        return policy

    # -- structure ---------------------------------------------------------------------------
    def mapping(self, node: yaml.Node, field: str, allowed: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, field or "document", f"got {_kind(node)}", "a mapping of keys")
        out: dict[str, tuple[Any, Any]] = {}
        for knode, vnode in node.value:
            key = knode.value if isinstance(knode, yaml.ScalarNode) else None
            path = f"{field}.{key}" if field else str(key)
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                problem = f"unknown key (did you mean {hint[0]!r}?)" if hint else "unknown key"
                self.fail(knode, path, problem, "one of " + ", ".join(allowed))
            if key in out:
                self.fail(knode, path, "key given twice", "each key once")
            out[key] = (knode, vnode)
        return out

    def section(self, cls: type, node: yaml.Node | None, name: str, root: yaml.Node) -> Any:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if node is None or _is_null(node):
            values: dict[str, tuple[Any, Any]] = {}
        else:
            values = self.mapping(node, name, tuple(fields))
        kwargs = {}
        hints = _hints(cls)
        for fname, (_, vnode) in values.items():
            kwargs[fname] = self.value(vnode, f"{name}.{fname}", hints[fname], fields[fname].metadata)
        return cls(**kwargs)

    # -- values ---------------------------------------------------------------------------
    def scalar(self, node: yaml.Node, field: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, field, f"got {_kind(node)}", "a single value")
        assert self._loader is not None
        return self._loader.construct_object(node, deep=True)

    def typed(self, node: yaml.Node, field: str, tp: Any) -> Any:
        value = self.scalar(node, field)
        if tp is bool:
            ok = isinstance(value, bool)
        elif tp is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif tp is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        else:
            ok = isinstance(value, str)
        if not ok:
            self.fail(node, field, f"got {_describe(value)}", _TYPE_WORDS[tp])
        return value

    def value(self, node: yaml.Node, field: str, tp: Any, meta: Any) -> Any:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is tuple:
            if not isinstance(node, yaml.SequenceNode):
                self.fail(node, field, f"got {_kind(node)}", f"a list of {_TYPE_WORDS[args[0]]}")
            return tuple(self.item(n, f"{field}[{i}]", args[0], meta) for i, n in enumerate(node.value))
        if origin is dict:
            entries = self.mapping_any(node, field)
            return {k: self.typed(v, f"{field}.{k}", str) for k, v in entries.items()}
        if origin in (typing.Union, types.UnionType):  # "str | None"
            if _is_null(node):
                return None
            tp = next(a for a in args if a is not type(None))
        return self.item(node, field, tp, meta)

    def mapping_any(self, node: yaml.Node, field: str) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, field, f"got {_kind(node)}", "a mapping of key: value strings")
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            key = self.typed(knode, f"{field} key", str)
            if key in out:
                self.fail(knode, f"{field}.{key}", "key given twice", "each key once")
            out[key] = vnode
        return out

    def item(self, node: yaml.Node, field: str, tp: Any, meta: Any) -> Any:
        check = meta.get("item")
        if check == "oracle":
            value = self.scalar(node, field)
            if value not in (0, 1, 2, None) or isinstance(value, bool):
                self.fail(node, field, f"got {_describe(value)}", "0, 1, 2 or null (absent)")
            return value
        value = self.typed(node, field, tp)
        low, high, choices = meta.get("minimum"), meta.get("maximum"), meta.get("choices")
        if low is not None and value < low:
            self.fail(node, field, f"{value} is below the minimum", f"a number >= {low:g}")
        if high is not None and value > high:
            self.fail(node, field, f"{value} is above the maximum", f"a number <= {high:g}")
        if choices is not None and value not in choices:
            self.fail(node, field, f"got {value!r}", "one of " + ", ".join(map(repr, choices)))
        if check == "cidr":
            return self.cidr(node, field, value)
        if check == "fix" and value not in FIX_NAMES:
            hint = difflib.get_close_matches(value, FIX_NAMES, n=1, cutoff=0.6)
            problem = f"unknown fix {value!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            self.fail(node, field, problem, "one of " + ", ".join(FIX_NAMES))
        if check == "env_name" and not _ENV_NAME.match(value):
            self.fail(
                node, field, f"{value!r} is not an environment variable name", "a name like TC_PASSWORD"
            )
        if check == "glob" and not value:
            self.fail(node, field, "empty pattern", "a glob such as web-*")
        return value

    def cidr(self, node: yaml.Node, field: str, value: str) -> str:
        try:
            net = ipaddress.ip_network(value.strip(), strict=True)
        except ValueError as exc:
            self.fail(
                node, field, f"{value!r} is not a CIDR ({exc})", "an IPv4/IPv6 network like 203.0.113.0/24"
            )
        return str(net)

    # -- rules across fields ---------------------------------------------------------------------
    def cross_checks(self, policy: Policy, top: dict[str, tuple[Any, Any]], root: yaml.Node) -> None:
        rdp_node = top["rdp"][1] if "rdp" in top else None
        rdp_fields = (
            self.mapping(rdp_node, "rdp", ("port", "admin_cidrs", "allow_public_rdp")) if rdp_node else {}
        )
        if not policy.rdp.admin_cidrs:
            node = rdp_fields["admin_cidrs"][1] if "admin_cidrs" in rdp_fields else (rdp_node or root)
            self.fail(
                node,
                "rdp.admin_cidrs",
                "required and must not be empty (there is no default)",
                "a list of source CIDRs such as [203.0.113.0/24]",
            )
        if not policy.rdp.allow_public_rdp:
            for i, cidr in enumerate(policy.rdp.admin_cidrs):
                if is_public_cidr(cidr):
                    self.fail(
                        rdp_fields["admin_cidrs"][1].value[i],
                        f"rdp.admin_cidrs[{i}]",
                        f"{cidr} opens RDP to the whole Internet",
                        "specific admin CIDRs, or `allow_public_rdp: true` to allow this on purpose",
                    )
        if "reset_password" in policy.fixes.auto and not policy.fixes.password_env:
            fixes_node = top["fixes"][1]
            self.fail(
                fixes_node,
                "fixes.password_env",
                "reset_password is listed in fixes.auto but password_env is not set",
                "password_env: NAME of an environment variable",
            )


_TYPE_WORDS: dict[Any, str] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "a string",
    int | None: "a whole number or null",
}


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if _is_null(node):
        return "nothing (null)"
    return f"the value {node.value!r}"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value!r}".replace("bool ", "boolean ").replace("str ", "string ")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)
