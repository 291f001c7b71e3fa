"""Waiting for a step's effect in the cloud, bounded, naming the step that did not finish.

Used on both paths: the pulumi-tencentcloud resources return before their effect is there
(``cvm.RebootInstance`` right after ``RebootInstances``, ``tat.InvocationCommandAttachment`` right
after ``RunCommand``, never reading a task), so the provider program gates guest fixes on
``instance_ready`` and ``apply`` waits with ``invocation_done`` before it verifies. A task that ends
in anything but SUCCESS fails the step with the script's own error output.
"""

from __future__ import annotations

import base64
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tcremedy.errors import TcremedyError

TIMEOUT_ENV = "TCREMEDY_FIX_TIMEOUT"
DEFAULT_TIMEOUT = 300.0
OUTPUT_TAIL = 600  # characters of a failed script's output shown


class StepFailed(TcremedyError):
    """A fix step ended badly or did not finish in time."""


MAX_TIMEOUT = 86_400.0  # a stated limit (README): one day


def timeout() -> float:
    """``$TCREMEDY_FIX_TIMEOUT`` seconds (default 300): a finite number in (0, 86400], else an error
    naming the variable (apply checks it before anything runs; the engine's providers read it too)."""
    text = os.environ.get(TIMEOUT_ENV) or ""
    if not text.strip():
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value <= MAX_TIMEOUT):  # NaN fails this too
        raise TcremedyError(
            f"environment variable {TIMEOUT_ENV}: expected seconds, a number above 0 and at most "
            f"{MAX_TIMEOUT:g}, got {text[:40]!r}"
        )
    return value


def _wait(step: str, what: str, probe: Callable[[], bool], interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout()
    while not probe():
        if time.monotonic() > deadline:
            raise StepFailed(f"step {step} did not finish within {timeout():g} s: {what}")
        time.sleep(interval)


def instance_ready(api: Any, instance_id: str, step: str, agent: bool = False) -> None:
    """RUNNING with no operation in progress (and, for guest fixes, its TAT agent Online)."""

    def ready() -> bool:
        found = api.call("cvm", "DescribeInstances", {"InstanceIds": [instance_id]}).get("InstanceSet") or []
        if not found:
            raise StepFailed(f"step {step}: instance {instance_id} no longer exists")
        inst = found[0]
        if inst.get("InstanceState") != "RUNNING" or inst.get("LatestOperationState") == "OPERATING":
            return False
        if not agent:
            return True
        agents = (
            api.call(
                "tat",
                "DescribeAutomationAgentStatus",
                {"Filters": [{"Name": "instance-id", "Values": [instance_id]}]},
            ).get("AutomationAgentSet")
            or []
        )
        return any(a.get("AgentStatus") == "Online" for a in agents)

    what = f"{instance_id} RUNNING" + (" with its TAT agent Online" if agent else "")
    _wait(step, what, ready)


def invocation_done(api: Any, invocation_id: str, step: str) -> None:
    """Every task of the invocation finished SUCCESS; else the step fails with the script's output."""
    tasks: list[dict[str, Any]] = []

    def finished() -> bool:
        tasks[:] = (
            api.call(
                "tat",
                "DescribeInvocationTasks",
                {"Filters": [{"Name": "invocation-id", "Values": [invocation_id]}], "HideOutput": False},
            ).get("InvocationTaskSet")
            or []
        )
        return bool(tasks) and all(t.get("TaskStatus") not in RUNNING_TASK_STATES for t in tasks)

    _wait(step, f"invocation {invocation_id} to finish", finished)
    for task in tasks:
        failure = task_failure(task, step)
        if failure:
            raise StepFailed(failure)


def task_failure(task: dict[str, Any], step: str) -> str:
    """ "" for a SUCCESS task; else one line naming the step, with the script's own error output
    (DescribeInvocationTasks with HideOutput false: ``TaskResult.Output``, base64)."""
    if task.get("TaskStatus") == "SUCCESS":
        return ""
    result = task.get("TaskResult") or {}
    output = _decode(result.get("Output") or "").strip()
    detail = output[-OUTPUT_TAIL:] or task.get("ErrorInfo") or "no output"
    return (
        f"step {step} failed on {task.get('InstanceId')}: task {task.get('TaskStatus')} "
        f"(exit code {result.get('ExitCode')}): {' '.join(detail.split())}"
    )


RUNNING_TASK_STATES = frozenset({"PENDING", "DELIVERING", "DELIVER_DELAYED", "RUNNING"})


def _decode(text: str) -> str:
    try:
        return base64.b64decode(text).decode("utf-8", "replace")
    except ValueError:
        return text


def cloud_api(credential: Any, region: str, endpoint_url: str) -> Any:
    """A ``CloudApi`` for the waits (the same credential and endpoint as the rest of apply)."""
    from tcremedy.cloud.api import CloudApi
    from tcremedy.cloud.clients import make_clients, parse_endpoint

    return CloudApi(make_clients(credential, region, parse_endpoint(endpoint_url or None)), concurrency=1)


def await_effects(api: Any, resources: Sequence[Any], invocations: Mapping[str, str]) -> None:
    """Wait, step by step, until what this run's fixes did is visible in the cloud.

    ``invocations``: guest fix key -> ``<invocation>#<instance>`` (provider path; the SDK path's
    guest fixes wait for their tasks themselves).
    """
    for res in resources:
        if res.kind in ("running", "reboot", "password", "bandwidth"):
            instance_ready(api, res.instance_id, res.key)
    for res in resources:
        if res.kind == "guest_fix":
            instance_ready(api, res.instance_id, res.key, agent=True)
    for key, rid in sorted(invocations.items()):
        invocation_done(api, str(rid).split("#", 1)[0], key)


def stopped_after_reset(api: Any, resources: Sequence[Any]) -> list[str]:
    """Instances a password fix left STOPPED once their operation settled (pulumi-tencentcloud's
    ModifyPassword resets with ForceStop and never starts the instance)."""
    stopped = []
    for res in resources:
        if res.kind != "password":
            continue
        iid = res.instance_id

        def settled(iid: str = iid) -> bool:
            inst = _describe(api, iid)
            return inst.get("LatestOperationState") != "OPERATING" and inst.get("InstanceState") in (
                "RUNNING",
                "STOPPED",
            )

        _wait(res.key, f"{iid} to settle after its password reset", settled)
        if _describe(api, iid).get("InstanceState") == "STOPPED":
            stopped.append(iid)
    return stopped


def _describe(api: Any, instance_id: str) -> dict[str, Any]:
    found = api.call("cvm", "DescribeInstances", {"InstanceIds": [instance_id]}).get("InstanceSet") or []
    return found[0] if found else {}
