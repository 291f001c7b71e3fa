"""A total YAML reader for user files: plain data with each value's position, or one clear error.

PyYAML's ``safe_load`` still constructs explicit tags (``!!int "abc"`` raises ValueError,
``!!timestamp``/``!!set``/``!!binary`` build objects no schema expects), expands aliases
(billion laughs), recurses until ``RecursionError`` on deep nesting and lets NUL bytes through
as "unacceptable character" errors without a line. This reader composes the node tree with
limits and builds the values itself:

* explicit tags (``!!int``, ``!!python/...``, ``!custom``, ``!``) and aliases are refused;
* control characters (other than tab, newline, carriage return) are refused with their line;
* nesting deeper than ``max_depth``, more than ``max_nodes`` values, or more than ``max_bytes``
  of text are refused, each naming the limit;
* scalars resolve as YAML 1.1 does (null, bool, int, float, otherwise the text); a
  ``.nan``/``.inf`` float is returned as is (schemas refuse it where a number is read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_POLICY_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_NODES = 100_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\ufffe\uffff\ud800-\udfff]")
_NULL, _BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float"))


class YamlInputError(Exception):
    """The text is not acceptable YAML; ``where`` is ``":line:col"`` (or "") and ``problem`` says why."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass
class Located:
    """A value with its position. ``value`` is a dict of Located, a list of Located, or a scalar."""

    value: Any
    line: int  # 1-based
    column: int  # 1-based
    keys: dict[str, Located] = field(default_factory=dict)  # mapping key -> the key's own node

    @property
    def where(self) -> str:
        return f":{self.line}:{self.column}"

    def plain(self) -> Any:
        """The value without positions (dicts, lists, scalars)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _at(mark: Any) -> str:
    return f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""


class _Loader(yaml.SafeLoader):
    """SafeLoader's composer with tags, aliases, depth and node count checked before composing."""

    def __init__(self, text: str, max_depth: int, max_nodes: int) -> None:
        super().__init__(text)
        self._depth = 0
        self._nodes = 0
        self._max_depth = max_depth
        self._max_nodes = max_nodes

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise YamlInputError(_at(event.start_mark), "YAML aliases (*name) are not accepted")
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise YamlInputError(_at(event.start_mark), f"explicit YAML tag {tag!r} is not accepted")
        self._nodes += 1
        if self._nodes > self._max_nodes:
            raise YamlInputError(
                _at(event.start_mark), f"more than {self._max_nodes} values (a stated limit)"
            )
        self._depth += 1
        if self._depth > self._max_depth:
            raise YamlInputError(
                _at(event.start_mark), f"nested deeper than {self._max_depth} levels (a stated limit)"
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(
    text: str, *, max_bytes: int = MAX_POLICY_BYTES, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> Located | None:
    """Parse one YAML document into Located values; None for an empty document."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise YamlInputError("", f"larger than {max_bytes // 1024} KiB (a stated limit)")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise YamlInputError(f":{line}:{col}", f"control character U+{ord(bad.group()):04X} is not accepted")
    loader = _Loader(text, max_depth, max_nodes)
    try:
        root = loader.get_single_node()
    except YamlInputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlInputError(_at(mark), f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlInputError("", f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return None if root is None else _build(root, "")


def _build(node: yaml.Node, path: str) -> Located:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.MappingNode):
        out = Located({}, line, col)
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise YamlInputError(
                    _at(knode.start_mark), "a mapping key must be a plain value, not a list or mapping"
                )
            key = knode.value
            here = f"{path}.{key}" if path else key
            if key in out.value:
                raise YamlInputError(
                    _at(knode.start_mark), f"{here}: key given twice; expected each key once"
                )
            out.keys[key] = Located(key, knode.start_mark.line + 1, knode.start_mark.column + 1)
            out.value[key] = _build(vnode, here)
        return out
    if isinstance(node, yaml.SequenceNode):
        return Located([_build(n, f"{path}[{i}]") for i, n in enumerate(node.value)], line, col)
    return Located(_scalar(node), line, col)


def _scalar(node: yaml.ScalarNode) -> Any:
    text, tag = node.value, node.tag
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return text.lower() in ("yes", "true", "on")
    if tag in (_INT, _FLOAT):
        try:
            value = (
                yaml.SafeLoader.construct_yaml_int if tag == _INT else yaml.SafeLoader.construct_yaml_float
            )
            return value(_CONSTRUCTOR, node)
        except (ValueError, OverflowError):
            raise YamlInputError(_at(node.start_mark), f"the number {text[:40]!r} is out of range") from None
    return text  # strings, and timestamps / other implicit types kept as their text


_CONSTRUCTOR = yaml.SafeLoader("")
