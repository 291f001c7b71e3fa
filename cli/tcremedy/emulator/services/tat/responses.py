"""TAT 2020-10-28 handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.dispatch import action
from tcremedy.emulator.core.errors import ApiError, InvalidParameter
from tcremedy.emulator.core.world import RegionState
from tcremedy.emulator.services.tat.models import AGENT_VERSION, TatBackend

SERVICE, VERSION = "tat", "2020-10-28"


def _select(
    params: dict[str, Any],
    ids_name: str,
    checks: dict[str, Callable[[Any, list[str]], bool]],
    items: list[Any],
    id_of: Callable[[Any], str],
) -> tuple[list[Any], int]:
    ids = p.str_list(params, ids_name, max_items=100)
    filters = p.filters(params, error_code="InvalidParameterValue.InvalidFilter")
    if ids and filters:
        raise InvalidParameter(
            f"`{ids_name}` and `Filters` cannot be specified at the same time.",
            code="InvalidParameter.ConflictParameter",
        )
    if ids:
        wanted = set(ids)
        items = [i for i in items if id_of(i) in wanted]
    for name, values in filters:
        check = checks.get(name)
        if check is None:
            raise ApiError(
                f"The filter `{name}` is not supported; supported: {sorted(checks)}.",
                code="InvalidParameterValue.InvalidFilter",
            )
        items = [i for i in items if check(i, values)]
    offset, limit = p.paging(params)
    return items[offset : offset + limit], len(items)


@action(SERVICE, VERSION, "RunCommand")
def run_command(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    content = p.string(params, "Content", required=True)
    ids = p.str_list(params, "InstanceIds", required=True)
    name = p.string(params, "CommandName", "") or ""
    if len(name.encode()) > 60:
        raise ApiError("CommandName exceeds 60 bytes.", code="InvalidParameterValue.TooLong")
    timeout = p.integer(params, "Timeout", 60, minimum=1, maximum=86400)
    assert content is not None and ids is not None and timeout is not None
    backend: TatBackend = region.tat
    inv = backend.run_command(
        content=content,
        instance_ids=ids,
        command_type=p.string(params, "CommandType", "SHELL") or "SHELL",
        name=name,
        description=p.string(params, "Description", "") or "",
        working_directory=p.string(params, "WorkingDirectory"),
        timeout=timeout,
        username=p.string(params, "Username"),
    )
    return {"CommandId": inv.command_id, "InvocationId": inv.invocation_id}


@action(SERVICE, VERSION, "CancelInvocation")
def cancel_invocation(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    """What the provider's Delete of a tat.InvocationCommandAttachment calls."""
    invocation = p.string(params, "InvocationId", required=True)
    assert invocation is not None
    backend: TatBackend = region.tat
    backend.cancel(invocation, p.str_list(params, "InstanceIds") or [])
    return {}


@action(SERVICE, VERSION, "DescribeInvocations")
def describe_invocations(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    backend: TatBackend = region.tat
    checks: dict[str, Callable[[Any, list[str]], bool]] = {
        "invocation-id": lambda i, vs: i.invocation_id in vs,
        "command-id": lambda i, vs: i.command_id in vs,
        "command-created-by": lambda i, vs: "USER" in vs,
        "instance-kind": lambda i, vs: "CVM" in vs,
    }
    page, total = _select(
        params, "InvocationIds", checks, list(backend.invocations.values())[::-1], lambda i: i.invocation_id
    )
    return {"TotalCount": total, "InvocationSet": [backend.invocation_wire(i) for i in page]}


@action(SERVICE, VERSION, "DescribeInvocationTasks")
def describe_invocation_tasks(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    backend: TatBackend = region.tat
    hide = p.boolean(params, "HideOutput", True)
    invocations = list(backend.invocations.values())[::-1]
    # An invocation-id filter (what a probe's result read sends) narrows to those invocations before
    # their tasks are listed: the cost follows the answer, not every task the region ever ran.
    # _select applies every filter again, so the narrowing changes nothing but the cost.
    filters = p.filters(params, error_code="InvalidParameterValue.InvalidFilter")
    wanted = next((set(vs) for name, vs in filters if name == "invocation-id"), None)
    if wanted is not None:
        invocations = [inv for inv in invocations if inv.invocation_id in wanted]
    pairs = [(inv, t) for inv in invocations for t in inv.tasks]
    checks: dict[str, Callable[[Any, list[str]], bool]] = {
        "invocation-task-id": lambda it, vs: it[1].task_id in vs,
        "invocation-id": lambda it, vs: it[0].invocation_id in vs,
        "instance-id": lambda it, vs: it[1].instance_id in vs,
        "command-id": lambda it, vs: it[0].command_id in vs,
    }
    page, total = _select(params, "InvocationTaskIds", checks, pairs, lambda it: it[1].task_id)
    now = region.now
    tasks = [backend.task_wire(inv, t, hide, now) for inv, t in page]
    return {"TotalCount": total, "InvocationTaskSet": tasks}


@action(SERVICE, VERSION, "DescribeAutomationAgentStatus")
def describe_agent_status(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    backend: TatBackend = region.tat
    cvm = region.cvm
    cvm.settle()
    agents = []
    # By ids: look those up (cost independent of the fleet size); otherwise the whole listing.
    ids = params.get("InstanceIds")
    if isinstance(ids, list) and ids and all(isinstance(i, str) for i in ids):
        candidates = [cvm.instances[i] for i in dict.fromkeys(ids) if i in cvm.instances]
    else:
        candidates = cvm.ordered()
    for inst in candidates:
        status = backend.agent_status(inst.instance_id)
        if status is not None:  # instances without an agent are absent
            agents.append(
                {
                    "InstanceId": inst.instance_id,
                    "Version": AGENT_VERSION,
                    "LastHeartbeatTime": _heartbeat(region, status),
                    "AgentStatus": status,
                    "Environment": "Windows" if inst.is_windows else "Linux",
                    "SupportFeatures": ["SESSION_MANAGER"],
                }
            )
    checks: dict[str, Callable[[Any, list[str]], bool]] = {
        "agent-status": lambda a, vs: a["AgentStatus"] in vs,
        "environment": lambda a, vs: a["Environment"] in vs,
        "instance-id": lambda a, vs: a["InstanceId"] in vs,
    }
    page, total = _select(params, "InstanceIds", checks, agents, lambda a: a["InstanceId"])
    return {"TotalCount": total, "AutomationAgentSet": page}


def _heartbeat(region: RegionState, status: str) -> str:
    from tcremedy.emulator.services.cvm.instance import iso

    return iso(region.now - (5 if status == "Online" else 3600))
