"""The guest fix (a PowerShell script run through the TAT agent) as a Pulumi dynamic provider."""

from __future__ import annotations

from typing import Any

import pulumi.dynamic as dyn

from tcremedy.guest.fixes import COMMAND_NAME_PREFIX, RUN_AS, WORKING_DIRECTORY, encoded_script
from tcremedy.remediate.effects import task_failure
from tcremedy.remediate.sdk_common import FixError, GuardedProvider, api_for, call, diff, wait

TERMINAL_TASK_STATES = frozenset(
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


class GuestFixProvider(GuardedProvider):
    """Run one guest fix script through TAT and wait for SUCCESS, once per ``trigger``/script."""

    KIND = "guest_fix"

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        api, iid, name = api_for(props["region"]), props["instance_id"], props["script"]
        port, revert = props.get("port"), props.get("revert_minutes")
        inv = call(
            api,
            "tat",
            "RunCommand",
            {
                "Content": encoded_script(
                    name,
                    int(port) if port is not None else None,
                    int(revert) if revert is not None else None,
                ),
                "CommandType": "POWERSHELL",
                "CommandName": f"{COMMAND_NAME_PREFIX}{name}",
                "Description": f"tcremedy guest fix {name}",
                "InstanceIds": [iid],
                "Timeout": 120,
                "WorkingDirectory": WORKING_DIRECTORY,
                "Username": RUN_AS,
                "SaveCommand": False,
            },
        )["InvocationId"]
        task: dict[str, Any] = {}

        def finished() -> bool:
            tasks = (
                call(
                    api,
                    "tat",
                    "DescribeInvocationTasks",
                    {
                        "Filters": [{"Name": "invocation-id", "Values": [inv]}],
                        "HideOutput": False,
                    },
                ).get("InvocationTaskSet")
                or []
            )
            task.update(tasks[0] if tasks else {})
            return task.get("TaskStatus") in TERMINAL_TASK_STATES

        wait(f"guest fix {name} on {iid}", finished, interval=0.5)
        failure = task_failure(task, f"guest fix {name}")
        if failure:
            raise FixError(failure)
        return {**props, "invocation_id": inv}

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(id_=f"{props['instance_id']}/guest/{props['script']}", outs=self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(outs=self._run(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        return diff(
            olds,
            news,
            ("instance_id", "region", "script"),
            ("trigger", "port", "digest", "revert_minutes"),
            lambda: False,
        )
