"""The CrossGuard pack (policies/crossguard) gates a real preview with the tcremedy policy.

The engine has no Python language host here, so the pack is launched through its executable
``analyzer`` shim, which the engine runs directly. The program declares resources shaped like
tcremedy's own dynamic fixes (a no-op provider: nothing is deployed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi.automation import CommandError

from conftest import Recorded

REPO = Path(__file__).resolve().parents[2]
PACK = str(REPO / "policies" / "crossguard" / "analyzer")
pytestmark = pytest.mark.engine


def _rule(cidr: str):
    def program() -> None:
        Recorded("rdp-rule", {"security_group_id": "sg-1", "cidr_block": cidr, "protocol": "TCP",
                              "port": "3389", "action": "ACCEPT"})
    return program


def test_rule_inside_the_admin_cidrs_passes_the_pack(engine_stack):
    result = engine_stack("guard-ok", _rule("203.0.113.0/24")).preview(policy_packs=[PACK], color="never")
    assert "tcremedy-rdp" in result.stdout
    assert result.change_summary.get("create") == 2


def test_rule_opening_rdp_to_the_internet_fails_the_preview(engine_stack):
    with pytest.raises(CommandError) as failure:
        engine_stack("guard-public", _rule("0.0.0.0/0")).preview(policy_packs=[PACK], color="never")
    text = str(failure.value)
    assert "[mandatory]" in text and "rdp-within-policy" in text
    assert "opens RDP (port 3389) to the whole internet" in text


def test_pack_reads_the_policy_named_by_tcremedy_policy(engine_stack, tmp_path):
    public = (REPO / "policies" / "windows-rdp.yaml").read_text().replace(
        "allow_public_rdp: false", "allow_public_rdp: true")
    assert "allow_public_rdp: true" in public
    path = tmp_path / "public.yaml"
    path.write_text(public.replace("- 203.0.113.0/24", "- 203.0.113.0/24\n    - 0.0.0.0/0"))
    stack = engine_stack("guard-env", _rule("0.0.0.0/0"), TCREMEDY_POLICY=str(path))
    assert stack.preview(policy_packs=[PACK], color="never").change_summary.get("create") == 2


# tcremedy's own dynamic types (real tokens pulumi-python:dynamic/tcremedy:*) and every
# pulumi-tencentcloud type: test_crossguard_types.py, one preview of the whole table.
