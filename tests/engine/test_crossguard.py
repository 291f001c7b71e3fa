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


# tcremedy's own dynamic resources, declared with the classes apply declares (real type tokens
# pulumi-python:dynamic/tcremedy:*); preview only, so their providers never call a cloud.
def _own_resources(cidr: str, mbps: int):
    from tcremedy.remediate.program.dynamic_backend import (
        AclRdpEntry,
        InstanceBandwidth,
        SecurityGroupIngressRule,
    )

    def program() -> None:
        rule = {"cidr_block": cidr, "protocol": "TCP", "port": "3389", "action": "ACCEPT"}
        SecurityGroupIngressRule("sg-rule", {"security_group_id": "sg-1", "policy_index": 0, **rule})
        AclRdpEntry("acl-entry", {"network_acl_id": "acl-1", "direction": "ingress", **rule})
        InstanceBandwidth("bandwidth", {"instance_id": "ins-1", "target_mbps": mbps})
    return program


def _limits(cidr: str) -> dict[str, str]:
    """The providers' own last guard (``TCREMEDY_LIMITS``, which apply sets) admitting ``cidr``, so that
    what is judged here is the pack, not the providers' check."""
    from tcremedy.policy.model import FIX_NAMES
    from tcremedy.remediate.limits import LIMITS_ENV, Limits

    return {LIMITS_ENV: Limits((cidr,), 3389, allow_public_rdp=False, auto=FIX_NAMES).to_env()}


def test_tcremedy_own_types_by_their_real_tokens_one_compliant_one_not(engine_stack):
    ok_stack = engine_stack("guard-own-ok", _own_resources("203.0.113.0/24", 10), **_limits("203.0.113.0/24"))
    ok = ok_stack.preview(policy_packs=[PACK], color="never")
    assert ok.change_summary.get("create") == 4
    with pytest.raises(CommandError) as failure:
        bad = engine_stack("guard-own-bad", _own_resources("10.0.0.0/8", 1), **_limits("10.0.0.0/8"))
        bad.preview(policy_packs=[PACK], color="never")
    text = str(failure.value)
    for token in ("SecurityGroupIngressRule", "AclRdpEntry", "InstanceBandwidth"):
        assert f"pulumi-python:dynamic/tcremedy:{token}" in text, token
    assert text.count("admits RDP (port 3389) from 10.0.0.0/8") >= 2  # the rule and the ACL entry
    assert "target_mbps 1 is below the policy minimum 5 Mbps" in text
