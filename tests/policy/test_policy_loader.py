"""The policy loader: valid files load into the schema's values; bad files fail with file:line:col."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pytest

from tcremedy.errors import PolicyError
from tcremedy.policy.docs import render_table, schema_rows
from tcremedy.policy.loader import load_policy, packaged_default_policy, parse_policy, resolve_policy_path
from tcremedy.policy.values import DEFAULT_AUTO_FIXES, FIX_NAMES

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = """\
apiVersion: tcremedy/v1
kind: RdpPolicy
name: mini
rdp:
  admin_cidrs: [192.0.2.0/24]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, text))
    return str(info.value)


def test_default_policy_has_the_agreed_values() -> None:
    policy = load_policy(ROOT / "policies" / "windows-rdp.yaml")
    assert policy.rdp.port == 3389
    assert policy.rdp.admin_cidrs == ("203.0.113.0/24", "198.51.100.10/32")
    assert policy.rdp.allow_public_rdp is False
    assert policy.capacity.min_bandwidth_mbps == 5
    assert (
        policy.capacity.bandwidth_ceiling_percent,
        policy.capacity.cpu_ceiling_percent,
        policy.capacity.memory_ceiling_percent,
        policy.capacity.window_seconds,
    ) == (90, 90, 90, 900)
    assert policy.selector.os == "windows"
    assert policy.guest.allowed_encryption_oracle == (1, 2, None)
    assert not policy.allows_fix("reboot_instance") and not policy.allows_fix("reset_password")
    assert policy.allows_fix("sg_allow_rdp")


def test_shipped_default_is_byte_identical_to_policies_file() -> None:
    assert filecmp.cmp(ROOT / "policies" / "windows-rdp.yaml", packaged_default_policy(), shallow=False)


def test_minimal_policy_gets_schema_defaults() -> None:
    policy = parse_policy(MINIMAL)
    assert policy.rdp.port == 3389
    assert policy.fixes.auto == DEFAULT_AUTO_FIXES
    assert "reboot_instance" not in DEFAULT_AUTO_FIXES and "reset_password" not in DEFAULT_AUTO_FIXES
    assert set(DEFAULT_AUTO_FIXES) | {"reboot_instance", "reset_password"} == set(FIX_NAMES)


def test_resolve_prefers_explicit_then_local_then_packaged(tmp_path: Path) -> None:
    assert resolve_policy_path(None, tmp_path) == packaged_default_policy()
    local = tmp_path / "policies" / "windows-rdp.yaml"
    local.parent.mkdir()
    local.write_text(MINIMAL)
    assert resolve_policy_path(None, tmp_path) == local
    assert resolve_policy_path(Path("other.yaml"), tmp_path) == tmp_path / "other.yaml"
    assert resolve_policy_path(Path("/abs/p.yaml"), tmp_path) == Path("/abs/p.yaml")


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL + "  alow_public_rdp: true\n")
    assert re.search(r"policy\.yaml:6:3: rdp\.alow_public_rdp: unknown key", msg), msg
    assert "did you mean 'allow_public_rdp'" in msg


def test_unknown_section_suggests(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL + "capacty:\n  window_seconds: 600\n")
    assert ":6:1: capacty: unknown key" in msg and "'capacity'" in msg


def test_wrong_type_names_line_column_and_expectation(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL + "  port: rdp\n")
    assert ":6:9: rdp.port: got string 'rdp'; expected a whole number" in msg


def test_bool_is_not_a_number(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL + "capacity:\n  cpu_ceiling_percent: true\n")
    assert ":7:24: capacity.cpu_ceiling_percent: got boolean True; expected a number" in msg


def test_public_cidr_without_allow_public_rdp_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("[192.0.2.0/24]", "\n    - 192.0.2.0/24\n    - 0.0.0.0/0")
    msg = error_for(tmp_path, text)
    assert ":7:7: rdp.admin_cidrs[1]: 0.0.0.0/0 opens RDP to the whole Internet" in msg
    assert "allow_public_rdp: true" in msg
    assert "::/0" in error_for(tmp_path, MINIMAL.replace("[192.0.2.0/24]", "['::/0']"))


def test_public_cidr_with_allow_public_rdp_loads(tmp_path: Path) -> None:
    text = MINIMAL.replace("[192.0.2.0/24]", "[0.0.0.0/0, '::/0']") + "  allow_public_rdp: true\n"
    assert load_policy(write(tmp_path, text)).rdp.admin_cidrs == ("0.0.0.0/0", "::/0")


def test_min_bandwidth_below_one_is_refused(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL + "capacity:\n  min_bandwidth_mbps: 0\n")
    assert ":7:23: capacity.min_bandwidth_mbps: 0 is below the minimum; expected a number >= 1" in msg


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nope\.yaml: policy file not found"):
        load_policy(tmp_path / "nope.yaml")


def test_admin_cidrs_required(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL.replace("[192.0.2.0/24]", "[]"))
    assert ":5:16: rdp.admin_cidrs: required and must not be empty" in msg
    msg = error_for(tmp_path, "apiVersion: tcremedy/v1\nkind: RdpPolicy\nname: x\n")
    assert "rdp.admin_cidrs: required" in msg


def test_bad_cidr_and_host_bits(tmp_path: Path) -> None:
    assert "is not a CIDR" in error_for(tmp_path, MINIMAL.replace("192.0.2.0/24", "192.0.2.0/33"))
    assert "has host bits set" in error_for(tmp_path, MINIMAL.replace("192.0.2.0/24", "192.0.2.1/24"))


def test_wrong_api_version_and_kind(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL.replace("tcremedy/v1", "tcremedy/v9"))
    assert ":1:13: apiVersion: unsupported value 'tcremedy/v9'; expected 'tcremedy/v1'" in msg
    assert "kind: missing" in error_for(tmp_path, MINIMAL.replace("kind: RdpPolicy\n", ""))


def test_unknown_fix_suggests(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL + "fixes:\n  auto: [sg_allow_rpd]\n")
    wanted = ":7:10: fixes.auto[0]: unknown fix 'sg_allow_rpd' (did you mean 'sg_allow_rdp'?); expected one"
    assert wanted in msg


def test_reset_password_needs_password_env(tmp_path: Path) -> None:
    msg = error_for(tmp_path, MINIMAL + "fixes:\n  auto: [reset_password]\n")
    assert "fixes.password_env" in msg and "reset_password" in msg
    ok = parse_policy(MINIMAL + "fixes:\n  auto: [reset_password, reboot_instance]\n  password_env: TC_PW\n")
    assert ok.allows_fix("reset_password") and ok.allows_fix("reboot_instance")
    assert not ok.allows_fix("sg_allow_rdp")  # an explicit list replaces the default
    assert "not an environment variable name" in error_for(
        tmp_path, MINIMAL + "fixes:\n  auto: [reset_password]\n  password_env: 'my pw'\n"
    )


def test_duplicate_key_and_yaml_syntax_error(tmp_path: Path) -> None:
    assert ":6:3: rdp.admin_cidrs: key given twice" in error_for(
        tmp_path, MINIMAL + "  admin_cidrs: [192.0.2.0/24]\n"
    )
    msg = error_for(tmp_path, "apiVersion: tcremedy/v1\nkind: [unclosed\n")
    assert re.search(r"policy\.yaml:\d+:\d+: invalid YAML", msg), msg


def test_selector_and_oracle_values(tmp_path: Path) -> None:
    policy = parse_policy(
        MINIMAL + "selector:\n  tags: {env: prod}\n  names: ['web-*']\n  os: any\n"
        "guest:\n  allowed_encryption_oracle: [1]\n"
    )
    assert policy.selector.tags == {"env": "prod"} and policy.selector.os == "any"
    assert policy.guest.allowed_encryption_oracle == (1,)
    assert "expected 0, 1, 2 or null" in error_for(
        tmp_path, MINIMAL + "guest:\n  allowed_encryption_oracle: [3]\n"
    )
    assert "expected one of 'windows', 'any'" in error_for(tmp_path, MINIMAL + "selector:\n  os: linux\n")
    assert "expected a string" in error_for(tmp_path, MINIMAL + "selector:\n  tags: {env: 1}\n")


def test_readme_holds_the_generated_settings_table() -> None:
    readme = (ROOT / "policies" / "README.md").read_text(encoding="utf-8")
    assert render_table() in readme
    for key, *_ in schema_rows():
        assert f"`{key}`" in readme


def test_policy_round_trips_through_plain_data() -> None:
    """Plan files store the policy as plain data and rebuild it with serde.from_data."""
    from tcremedy.policy.model import Policy
    from tcremedy.serde import from_data, to_data

    policy = parse_policy(MINIMAL + "selector:\n  tags: {env: prod}\n")
    assert from_data(Policy, to_data(policy)) == policy
