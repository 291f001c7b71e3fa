"""The fix registry is the one home of "which fix closes which code": the check chooses the fix, the
planner follows it, and every table other layers need is derived from the registry.

Instance states come from the SDK's own documentation of DescribeInstances (``InstanceStatus``,
``Instance.RestrictState`` / ``IsolatedSource`` in tencentcloud/cvm/v20170312/models.py): every
documented state gets a decision from the check and a step from the planner."""

from __future__ import annotations

import re

import pytest
from tencentcloud.cvm.v20170312 import models as cvm_models

from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.checks import CHECKS
from tcremedy.diagnose.codes import CAUSAL_ORDER
from tcremedy.diagnose.model import FleetDiagnosis, FleetSummary, InstanceDiagnosis
from tcremedy.policy.model import Fixes, Policy, RdpAccess
from tcremedy.policy.values import FIX_NAMES, OPT_IN_FIXES
from tcremedy.remediate import guardrails
from tcremedy.remediate.fixes import FIXES
from tcremedy.remediate.planner import plan_fixes

POLICY = Policy(name="p", rdp=RdpAccess(port=3389, admin_cidrs=("203.0.113.0/24",)))


def documented(model: type, field: str) -> list[str]:
    """The values the SDK documents for ``model.field`` (``<li>VALUE：meaning``)."""
    doc = getattr(model, field).__doc__ or ""
    return re.findall(r"<li>([A-Z_]+)：", doc)


INSTANCE_STATES = documented(cvm_models.InstanceStatus, "InstanceState")
ISOLATED_SOURCES = documented(cvm_models.Instance, "IsolatedSource")
RESTRICT_STATES = documented(cvm_models.Instance, "RestrictState")


def plan_for(inst: Instance, policy: Policy = POLICY) -> tuple[list, list]:
    state = LiveState(region="ap-guangzhou", collected_at="t0", instances={inst.instance_id: inst})
    found = [f for check in CHECKS for f in check.evaluate(policy, inst, state)]
    diag = InstanceDiagnosis(inst.instance_id, "w", "ap-guangzhou", None, tuple(found), not found)
    fleet = FleetDiagnosis("p", "ap-guangzhou", (diag,), 0, FleetSummary(1, 0, 1, 0))
    return found, list(plan_fixes(policy, state, fleet).steps)


def test_the_sdk_documents_the_states_the_checks_decide_on() -> None:
    assert {"PENDING", "STOPPED", "STOPPING", "STARTING", "REBOOTING", "SHUTDOWN", "TERMINATING"} <= set(
        INSTANCE_STATES
    )
    assert set(ISOLATED_SOURCES) == {"ARREAR", "EXPIRE", "MANMADE", "NOTISOLATED"}
    assert set(RESTRICT_STATES) == {"NORMAL", "EXPIRED", "PROTECTIVELY_ISOLATED"}


@pytest.mark.parametrize("state", [s for s in INSTANCE_STATES if s != "RUNNING"])
def test_the_check_decides_for_every_documented_state_and_the_planner_follows(state: str) -> None:
    inst = Instance("ins-1", "ap-guangzhou", state=state)
    found, steps = plan_for(inst)
    not_running = next(f for f in found if f.code == "INSTANCE_NOT_RUNNING")
    step = next(s for s in steps if s.finding_code == "INSTANCE_NOT_RUNNING")
    if state == "STOPPED":  # StartInstances only accepts STOPPED
        assert not_running.fix == "start_instance" and step.auto and step.resource.kind == "running"
    else:
        assert not_running.fix is None and step.fix == "manual" and not step.auto and state in step.manual


@pytest.mark.parametrize(
    ("restrict", "source"),
    [(r, s) for r in RESTRICT_STATES for s in ISOLATED_SOURCES if (r, s) != ("NORMAL", "NOTISOLATED")],
)
def test_any_documented_isolation_is_a_manual_step_naming_it_and_blocks_other_fixes(restrict, source):
    inst = Instance("ins-1", "ap-guangzhou", state="STOPPED", restrict_state=restrict, isolated_source=source)
    found, steps = plan_for(inst)
    assert any(f.code == "INSTANCE_ISOLATED" and f.fix is None for f in found)
    isolated = next(s for s in steps if s.finding_code == "INSTANCE_ISOLATED")
    named = [p for p in (restrict, source) if p not in ("NORMAL", "NOTISOLATED")]
    assert isolated.fix == "manual" and all(p in isolated.manual for p in named)
    assert not any(s.auto for s in steps)  # starting an isolated instance waits for the renewal


def test_not_isolated_is_not_a_finding() -> None:
    inst = Instance(
        "ins-1", "ap-guangzhou", state="RUNNING", restrict_state="NORMAL", isolated_source="NOTISOLATED"
    )
    assert not any(f.code == "INSTANCE_ISOLATED" for f in plan_for(inst)[0])


def test_each_check_names_a_registered_fix_that_closes_its_code() -> None:
    for code in CAUSAL_ORDER:
        chosen = CHECKS.get(code).fix
        if chosen is not None:
            assert FIXES.get(chosen) is not None and code in FIXES.get(chosen).closes, code
        closer = FIXES.for_code(code)
        assert closer is None or chosen in (None, closer.name), code


def test_the_policy_knows_exactly_the_registered_automatic_fixes() -> None:
    assert {f.name for f in FIXES.automatic()} == set(FIX_NAMES)
    assert {f.name for f in FIXES.automatic() if f.opt_in} == set(OPT_IN_FIXES)
    assert not {f.name for f in FIXES.manual()} & set(FIX_NAMES)  # manual fixes never run by themselves


def test_guardrail_type_lists_come_from_the_registry() -> None:
    assert FIXES.owned_types() == guardrails.OWNED_TYPES
    assert "tencentcloud:Security/groupRule:GroupRule" in guardrails.OWNED_TYPES
    assert guardrails.PROVIDER_ACL not in guardrails.OWNED_TYPES  # adopted, never deleted
    assert guardrails.PROVIDER_INSTANCE in guardrails.INSTANCE_TYPES
    assert "pulumi-python:dynamic/tcremedy:InstanceRunning" in guardrails.INSTANCE_TYPES


def test_manual_fixes_say_what_to_do_by_hand() -> None:
    """The manual-step fixes moved into the registry (the demonstration: one module + this test each)."""
    no_ip = Instance(
        "ins-1", "ap-guangzhou", state="RUNNING", os_name="Windows", internet_max_bandwidth_out=5
    )
    policy = Policy(name="p", rdp=POLICY.rdp, fixes=Fixes(auto=FIX_NAMES))
    _, steps = plan_for(no_ip, policy)
    step = next(s for s in steps if s.finding_code == "NO_PUBLIC_IP")
    assert step.fix == "manual" and "EIP" in step.manual and not step.auto


def test_every_automatic_fix_declares_itself_on_the_provider_path() -> None:
    """A fix's pulumi-tencentcloud declaration lives in its own module (the program only dispatches):
    each automatic fix overrides one of the base class's provider hooks, for its resource's scope."""
    from tcremedy.remediate.fixes.base import Fix

    hooks = {"instance": ("provider_inputs", "provider_resource"), "security_group": ("provider_resource",)}
    for fix in FIXES.automatic():
        scope_hooks = hooks.get(fix.scope, ("provider_group",))
        own = [h for h in scope_hooks if getattr(type(fix), h) is not getattr(Fix, h)]
        assert own, f"{fix.name}: no provider-path declaration for its {fix.scope} resource"


def test_every_automatic_fix_names_its_dynamic_resource_and_provider() -> None:
    """The sdk-dynamic path's classes are made from the registry: each automatic fix names its type
    and the provider that makes its kind (the providers check their kind against the fix's)."""
    from tcremedy.remediate.program.dynamic_backend import CLASSES

    for fix in FIXES.automatic():
        assert CLASSES[fix.dynamic_type]._resource_type_name == f"dynamic/tcremedy:{fix.dynamic_type}"
        module, _, name = fix.dynamic_provider.partition(":")
        provider = getattr(__import__(module, fromlist=[name]), name)
        assert getattr(provider, "KIND", fix.kind) == fix.kind, fix.name


def test_the_adding_a_fix_page_shows_the_modules_and_tests_as_they_are() -> None:
    """docs/adding-a-fix.md (issue 10's demonstration): each new file it shows is the file as it is,
    each test it shows is in its test file as shown."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    page = (root / "docs" / "adding-a-fix.md").read_text(encoding="utf-8")
    shown = re.findall(r"^--- (\S+)\n\+\+\+ b/(\S+)\n@@\n((?:\+.*\n)+)", page, flags=re.M)
    assert len(shown) >= 4
    for before, path, lines in shown:
        text = "".join(line[1:] + "\n" for line in lines.splitlines())
        actual = (root / path).read_text(encoding="utf-8")
        if before == "/dev/null":
            assert text == actual, f"docs/adding-a-fix.md shows {path} other than it is"
        else:
            assert text in actual, f"docs/adding-a-fix.md shows a test of {path} other than it is"
