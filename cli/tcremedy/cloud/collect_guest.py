"""Guest: TAT agent status, then ONE read-only probe run for every online, running Windows instance.

``RunCommand`` is the only call of ``tcremedy plan`` that is not a Describe/Get: it runs the
read-only PowerShell probe (``tcremedy.guest.probe``; it reads registry values, service and
firewall state and changes nothing). ``--no-guest-probe`` turns it off.

Steps: ``DescribeAutomationAgentStatus`` (100 ids per request) -> ``RunCommand`` (200 ids per
request, POWERSHELL, base64 content) -> poll ``DescribeInvocations`` until every invocation finished
or the deadline passed -> ``DescribeInvocationTasks`` (by invocation id, 100 tasks per page, with output).
``guest_feed.GuestFeed`` runs these steps, each one per full batch as soon as it has one.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tcremedy.cloud.api import ApiError, CloudApi, chunks, split_batches
from tcremedy.cloud.probe_output import parse_probe_output
from tcremedy.cloud.state import GuestProbe
from tcremedy.guest.probe import PROBE_COMMAND_NAME, probe_script

STATUS_BATCH = 100
RUN_BATCH = 200
TASK_PAGE = 100
INVOCATION_FILTER_VALUES = 5  # filter values per filter
RUNNING_TASK_STATES = frozenset({"PENDING", "DELIVERING", "DELIVER_DELAYED", "RUNNING", "CANCELLING"})
RUNNING_INVOCATION_STATES = frozenset({"PENDING", "RUNNING", "CANCELLING"})


@dataclass(frozen=True)
class ProbeSettings:
    enabled: bool = True
    command_timeout: int = 60  # seconds the probe may run in the guest (RunCommand Timeout)
    deadline: float = 120.0  # seconds we wait for all tasks, from the RunCommand
    first_poll: float = 0.1  # first status poll after this many seconds, then doubling...
    poll_interval: float = 2.0  # ...up to this


_FAILED = re.compile(r"^(\w+) failed: ([\w.]+): (.*)$", re.S)


def failed_call(text: str) -> tuple[str, str, str] | None:
    """(code, message, action) when a guest error says an API call failed for good ("<Action> failed:
    code: ..."), so collection can list it in the gaps; None for what the guest itself reported."""
    match = _FAILED.match(text or "")
    return (match.group(2), text, match.group(1)) if match else None


def agent_status(api: CloudApi, instance_ids: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
    """instance id -> Online | Offline | NotInstalled; and instance id -> error for failed lookups
    (a failed batch is halved and tried again, down to one instance, first)."""
    api.progress.phase("TAT agents")

    def call(batch: Sequence[str]) -> dict[str, Any]:
        params = {"InstanceIds": list(batch), "Limit": STATUS_BATCH}
        return api.call("tat", "DescribeAutomationAgentStatus", params)

    done, failed = split_batches(api, list(instance_ids), STATUS_BATCH, call)
    status: dict[str, str] = {}
    errors = {iid: f"DescribeAutomationAgentStatus failed: {exc.code}: {exc.message}" for iid, exc in failed}
    for batch, resp in done:
        seen = {
            a.get("InstanceId"): a.get("AgentStatus") or "Unknown"
            for a in resp.get("AutomationAgentSet") or ()
        }
        for iid in batch:  # absent from the set = no agent installed (tencent-api.md 5.4)
            status[iid] = seen.get(iid, "NotInstalled")
    return status, errors


def run_probe(
    api: CloudApi, instance_ids: Sequence[str], settings: ProbeSettings
) -> tuple[dict[str, Sequence[str]], dict[str, str]]:
    """RunCommand in batches; returns invocation id -> its instance ids, and instance id -> error for
    the instances that failed even alone (a failed batch is halved and tried again, down to one instance)."""
    content = base64.b64encode(probe_script().encode("utf-8")).decode("ascii")
    api.progress.phase("guest probe")

    def call(batch: Sequence[str]) -> str:
        params = {
            "Content": content,
            "CommandType": "POWERSHELL",
            "CommandName": PROBE_COMMAND_NAME,
            "Description": "tcremedy read-only RDP probe",
            "InstanceIds": list(batch),
            "Timeout": settings.command_timeout,
            "SaveCommand": False,
        }
        return str(api.call("tat", "RunCommand", params)["InvocationId"])

    done, failed = split_batches(api, list(instance_ids), RUN_BATCH, call)
    errors = {iid: f"RunCommand failed: {exc.code}: {exc.message}" for iid, exc in failed}
    return {invocation: batch for batch, invocation in done}, errors


def tasks_by_invocation(
    api: CloudApi, invocation_ids: Sequence[str]
) -> tuple[list[dict[str, Any]], dict[str, ApiError]]:
    """Every task of the invocations, 100 per page, up to 5 invocation ids per filter; and
    invocation id -> error for the invocations whose tasks could not be read."""

    def page(job: tuple[Sequence[str], int]) -> dict[str, Any] | ApiError:
        group, offset = job
        try:
            return api.call(
                "tat",
                "DescribeInvocationTasks",
                {
                    "Filters": [{"Name": "invocation-id", "Values": list(group)}],
                    "HideOutput": False,
                    "Limit": TASK_PAGE,
                    "Offset": offset,
                },
            )
        except ApiError as exc:
            return exc

    groups = chunks(list(invocation_ids), INVOCATION_FILTER_VALUES)
    jobs = [(g, 0) for g in groups]
    firsts = api.map(page, jobs)
    jobs += [
        (g, off)
        for g, first in zip(groups, firsts, strict=True)
        if not isinstance(first, ApiError)
        for off in range(TASK_PAGE, int(first.get("TotalCount") or 0), TASK_PAGE)
    ]
    pages = [*firsts, *api.map(page, jobs[len(groups) :])]
    failed = {
        inv: p
        for (group, _off), p in zip(jobs, pages, strict=True)
        if isinstance(p, ApiError)
        for inv in group
    }
    tasks = [
        t
        for p in pages
        if not isinstance(p, ApiError)
        for t in p.get("InvocationTaskSet") or ()
        if t.get("InvocationId") not in failed  # a group with a failed page is unread as a whole
    ]
    return tasks, failed


def probe_from_task(task: dict[str, Any]) -> GuestProbe:
    """Pure: one finished (or abandoned) InvocationTask -> GuestProbe."""
    status = task.get("TaskStatus") or ""
    result = task.get("TaskResult") or {}
    output = ""
    if result.get("Output"):
        try:
            output = base64.b64decode(result["Output"]).decode("utf-8", errors="replace")
        except ValueError:
            return GuestProbe("Online", status, "probe output is not valid base64")
    if status == "SUCCESS":
        try:
            return GuestProbe("Online", status, "", parse_probe_output(output))
        except ValueError as exc:
            return GuestProbe("Online", status, f"probe output unreadable: {exc}")
    detail = task.get("ErrorInfo") or (f"exit code {result.get('ExitCode')}" if result else "")
    if status in RUNNING_TASK_STATES:
        return GuestProbe("Online", status, f"probe did not finish in time (task {status})")
    return GuestProbe(
        "Online", status, f"probe task {status or 'UNKNOWN'}" + (f": {detail}" if detail else "")
    )


def lower_bound(online: int) -> dict[str, int]:
    """Fewest TAT requests for ``online`` probed instances (for the bench)."""
    return {
        "RunCommand": math.ceil(online / RUN_BATCH),
        "DescribeInvocations": math.ceil(math.ceil(online / RUN_BATCH) / STATUS_BATCH),  # one status poll
        "DescribeInvocationTasks": math.ceil(online / TASK_PAGE),
    }
