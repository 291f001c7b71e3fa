"""The strict policy schema: hostile YAML, numbers that are not numbers, stated limits, JSON Schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tcremedy.errors import PolicyError
from tcremedy.policy.loader import parse_policy, policy_from_data
from tcremedy.policy.schema import policy_json_schema

MINIMAL = """\
apiVersion: tcremedy/v1
kind: RdpPolicy
name: mini
rdp:
  admin_cidrs: [192.0.2.0/24]
"""


def error(text: str) -> str:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.yaml")
    return str(info.value)


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ('  port: !!int "abc"\n', "p.yaml:6:9: explicit YAML tag 'tag:yaml.org,2002:int'"),
        ("  port: !!python/object:os.system x\n", "p.yaml:6:9: explicit YAML tag"),
        ("  port: !custom 1\n", "p.yaml:6:9: explicit YAML tag '!custom'"),
        ("  port: !!set {a, b}\n", "p.yaml:6:9: explicit YAML tag"),
        ("  port: !!timestamp 2001-12-14\n", "p.yaml:6:9: explicit YAML tag"),
        ("  allow_public_rdp: *anchor\n", "p.yaml:6:21: YAML aliases"),
    ],
)
def test_explicit_tags_and_aliases_are_refused_at_their_position(extra: str, where: str) -> None:
    assert where in error(MINIMAL + extra)


def test_control_characters_are_refused_with_line_and_column() -> None:
    assert "p.yaml:3:9: control character U+0000 is not accepted" in error(
        MINIMAL.replace("mini", "mi\x00ni")
    )


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    deep = MINIMAL + "selector:\n  names: " + "[" * 1000 + "]" * 1000 + "\n"
    assert "nested deeper than 32 levels (a stated limit)" in error(deep)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
@pytest.mark.parametrize(
    "key", ["cpu_ceiling_percent", "bandwidth_ceiling_percent", "memory_ceiling_percent"]
)
def test_nan_and_inf_are_not_numbers(key: str, value: str) -> None:
    msg = error(MINIMAL + f"capacity:\n  {key}: {value}\n")
    assert f"p.yaml:7:{len(key) + 5}: capacity.{key}: got " in msg and "expected a finite number" in msg


def test_strict_values_no_string_ports_no_huge_numbers() -> None:
    assert "rdp.port: got string '3389'; expected a whole number" in error(MINIMAL + '  port: "3389"\n')
    assert "is out of range" in error(MINIMAL + "  port: " + "9" * 5000 + "\n")
    assert "expected a whole number" in error(MINIMAL + "  port: 3389.0\n")


def test_ten_thousand_admin_cidrs_are_refused_quickly_with_the_stated_limit() -> None:
    cidrs = "".join(f"    - 10.{i // 256 % 256}.{i % 256}.0/24\n" for i in range(10_000))
    text = MINIMAL.replace("  admin_cidrs: [192.0.2.0/24]\n", "  admin_cidrs:\n" + cidrs)
    msg = error(text)
    assert "p.yaml:6:5: rdp.admin_cidrs: more than 100 items; expected at most 100 (a stated limit)" in msg


def test_oversized_file_and_strings_are_refused() -> None:
    assert "larger than 256 KiB (a stated limit)" in error(MINIMAL + "#" * 300_000 + "\n")
    assert "selector.regions[0]: longer than 255 characters" in error(
        MINIMAL + "selector:\n  regions: [" + "a" * 300 + "]\n"
    )


def test_source_is_not_a_file_key() -> None:
    assert "source: unknown key" in error(MINIMAL + "source: /etc/passwd\n")


def test_plain_data_is_checked_like_a_file() -> None:
    good = {"name": "x", "rdp": {"admin_cidrs": ["192.0.2.0/24"]}}
    assert policy_from_data(good).rdp.admin_cidrs == ("192.0.2.0/24",)
    with pytest.raises(PolicyError, match=r"plan: rdp\.admin_cidrs: got string"):
        policy_from_data({"name": "x", "rdp": {"admin_cidrs": "10.0.0.0/8"}}, "plan")
    with pytest.raises(PolicyError, match="finite number"):
        policy_from_data({**good, "capacity": {"cpu_ceiling_percent": float("nan")}})
    with pytest.raises(PolicyError, match="expected a mapping"):
        policy_from_data(None)


def test_policy_schema_command_prints_a_strict_json_schema(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tcremedy.main", "policy", "schema"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    schema = json.loads(out)
    assert schema == policy_json_schema()
    assert schema["required"] == ["apiVersion", "kind", "name", "rdp"]
    assert schema["additionalProperties"] is False and "source" not in schema["properties"]
    rdp = schema["$defs"]["RdpAccess"]
    assert rdp["additionalProperties"] is False and rdp["required"] == ["admin_cidrs"]
    assert rdp["properties"]["admin_cidrs"]["items"]["format"] == "ipvanynetwork"
    assert rdp["properties"]["port"]["maximum"] == 65535
