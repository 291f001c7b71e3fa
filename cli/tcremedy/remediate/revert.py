"""The lock-out guard's last step: cancel the reverts the guest fixes scheduled, once access is verified.

A reversible guest fix (``tcremedy.guest.fixes.REVERTIBLE``) registered a one-shot scheduled task
that undoes it after ``guest.revert_minutes``. ``apply`` calls ``cancel_reverts`` only for instances
whose findings closed on the re-plan (and, with ``--verify-connect``, that answered the RDP
handshake); anywhere else, or when apply dies first, the guest reverts by itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from tcremedy.cloud.api import ApiError, CloudApi
from tcremedy.guest.fixes import CANCEL_REVERT, COMMAND_NAME_PREFIX, REVERTIBLE, encoded_script

TERMINAL = frozenset(
    {
        "SUCCESS",
        "FAILED",
        "TIMEOUT",
        "TASK_TIMEOUT",
        "DELIVER_FAILED",
        "START_FAILED",
        "CANCELLED",
        "TERMINATED",
    }
)


def guarded(steps: Sequence[Any]) -> dict[str, list[str]]:
    """Instance id -> the reversible guest scripts among ``steps`` (FixStep objects)."""
    out: dict[str, list[str]] = {}
    for step in steps:
        res = step.resource
        if res is not None and res.kind == "guest_fix" and res.params.get("script") in REVERTIBLE:
            out.setdefault(step.instance_id, []).append(str(res.params["script"]))
    return out


def cancel_reverts(
    api: CloudApi,
    instance_ids: Sequence[str],
    *,
    deadline: float = 120.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Run the cancel-revert script on ``instance_ids``; instance id -> "" when done, else why not."""
    if not instance_ids:
        return {}
    try:
        inv = api.call(
            "tat",
            "RunCommand",
            {
                "Content": encoded_script(CANCEL_REVERT),
                "CommandType": "POWERSHELL",
                "CommandName": f"{COMMAND_NAME_PREFIX}{CANCEL_REVERT}",
                "Description": "tcremedy: access verified, cancel the scheduled reverts",
                "InstanceIds": list(instance_ids),
                "Timeout": 60,
                "SaveCommand": False,
            },
        )["InvocationId"]
        end = clock() + deadline
        while True:
            tasks = (
                api.call(
                    "tat",
                    "DescribeInvocationTasks",
                    {"Filters": [{"Name": "invocation-id", "Values": [inv]}], "Limit": 100},
                ).get("InvocationTaskSet")
                or []
            )
            if len(tasks) >= len(instance_ids) and all(t.get("TaskStatus") in TERMINAL for t in tasks):
                break
            if clock() >= end:
                break
            sleep(0.5)
    except ApiError as exc:
        return {iid: f"{exc.action} failed: {exc.code}: {exc.message}" for iid in instance_ids}
    status = {t.get("InstanceId"): t.get("TaskStatus") for t in tasks}
    return {
        iid: "" if status.get(iid) == "SUCCESS" else f"cancel-revert task {status.get(iid) or 'not reported'}"
        for iid in instance_ids
    }
