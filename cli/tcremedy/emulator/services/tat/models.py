"""TAT commands, invocations and tasks. The emulated guest runs each task at RunCommand time.

A task's outcome is decided when the command is delivered; it is reported as RUNNING for half a
lifecycle transition (``World.transition_seconds / 2``) and then as its final status, so callers
must poll DescribeInvocationTasks as they would against the real service.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tcremedy.emulator.core.errors import ApiError, InvalidParameterValue, ResourceUnavailable
from tcremedy.emulator.services.cvm.guest import run_powershell
from tcremedy.emulator.services.cvm.instance import iso
from tcremedy.serde import from_data, to_data

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState

MAX_CONTENT = 64 * 1024
MAX_INSTANCES = 200
MAX_OUTPUT = 24 * 1024
COMMAND_TYPES = ("SHELL", "POWERSHELL", "BAT")
WINDOWS_DIR = re.compile(r"^[A-Za-z]:\\")
AGENT_VERSION = "1.1.5"


@dataclass
class Task:
    task_id: str
    instance_id: str
    status: str  # final TaskStatus (SUCCESS | FAILED | ...)
    exit_code: int
    output: str  # base64, as the API returns it
    dropped: int
    error_info: str
    created: float
    done: float  # when the task reaches its final status


@dataclass
class Invocation:
    invocation_id: str
    command_id: str
    command_name: str
    description: str
    content: str  # base64
    command_type: str
    working_directory: str
    timeout: int
    username: str
    created: float
    tasks: list[Task] = field(default_factory=list)


def decode_content(content: str) -> str:
    try:
        raw = base64.b64decode(content, validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidParameterValue(
            "The command content is not valid base64.", code="InvalidParameterValue.InvalidContent"
        ) from None


class TatBackend:
    def __init__(self, region: RegionState) -> None:
        self.region = region
        self.invocations: dict[str, Invocation] = {}

    def snapshot(self) -> dict[str, Any]:
        return {"invocations": [to_data(i) for i in self.invocations.values()]}

    def restore(self, data: dict[str, Any]) -> None:
        self.invocations = {
            i.invocation_id: i for i in (from_data(Invocation, d) for d in data.get("invocations", []))
        }

    def agent_status(self, instance_id: str) -> str | None:
        """Online | Offline, or None when no agent is installed (or the instance is unknown)."""
        inst = self.region.cvm.instances.get(instance_id)
        if inst is None or inst.guest.agent == "NotInstalled":
            return None
        return "Online" if inst.guest.agent == "Online" and inst.state == "RUNNING" else "Offline"

    def run_command(
        self,
        *,
        content: str,
        instance_ids: list[str],
        command_type: str,
        name: str,
        description: str,
        working_directory: str | None,
        timeout: int,
        username: str | None,
    ) -> Invocation:
        if len(content) > MAX_CONTENT:
            raise InvalidParameterValue(
                "Content exceeds 64 KB after base64 encoding.", code="InvalidParameterValue.LengthExceeded"
            )
        script = decode_content(content)
        if command_type not in COMMAND_TYPES:
            raise InvalidParameterValue(
                f"CommandType must be one of {list(COMMAND_TYPES)}.",
                code="InvalidParameterValue.InvalidCommandType",
            )
        if len(instance_ids) > MAX_INSTANCES:
            raise InvalidParameterValue(
                f"At most {MAX_INSTANCES} instances per invocation.",
                code="InvalidParameterValue.LimitExceeded",
            )
        cvm = self.region.cvm
        cvm.settle()
        targets = []
        for iid in dict.fromkeys(instance_ids):
            if not iid.startswith("ins-"):
                raise InvalidParameterValue(
                    f"The instance id `{iid}` is invalid.", code="InvalidParameterValue.InvalidInstanceId"
                )
            inst = cvm.instances.get(iid)
            if inst is None:
                raise ApiError(
                    f"The instance `{iid}` does not exist.", code="ResourceNotFound.InstanceNotFound"
                )
            if inst.guest.agent == "NotInstalled":
                raise ResourceUnavailable(
                    "TAT Agent is not installed.", code="ResourceUnavailable.AgentNotInstalled"
                )
            if inst.state != "RUNNING":
                raise ResourceUnavailable(
                    "The instance is not running.", code="ResourceUnavailable.InstanceStateNotRunning"
                )
            if inst.guest.agent != "Online":
                raise ResourceUnavailable(
                    "TAT Agent is offline.", code="ResourceUnavailable.AgentStatusNotOnline"
                )
            supported = ("POWERSHELL", "BAT") if inst.is_windows else ("SHELL",)
            if command_type not in supported:
                raise InvalidParameterValue(
                    f"The agent on `{iid}` does not support CommandType {command_type}.",
                    code="InvalidParameterValue.AgentUnsupportedCommandType",
                )
            targets.append(inst)
        now = self.region.now
        windows = targets[0].is_windows if targets else True
        inv = Invocation(
            invocation_id=self.region.new_id("inv"),
            command_id=self.region.new_id("cmd"),
            command_name=name,
            description=description,
            content=content,
            command_type=command_type,
            working_directory=working_directory
            or (r"C:\Program Files\qcloud\tat_agent\workdir" if windows else "/root"),
            timeout=timeout,
            username=username or ("System" if windows else "root"),
            created=now,
        )
        done = now + self.region.world.transition_seconds / 2
        for inst in targets:
            if inst.is_windows and not WINDOWS_DIR.match(inv.working_directory):
                # A POSIX path such as the provider's default "/root" names no directory on Windows:
                # the agent cannot enter it and the task fails before the script runs (unverified
                # live; TAT documents the Windows default C:\Program Files\qcloud\tat_agent\workdir).
                exit_code, text = 1, (
                    f"Set-Location : Cannot find path '{inv.working_directory}' because it does not exist.\n"
                )
            elif command_type == "POWERSHELL":
                result = run_powershell(inst.guest, script, now=now)
                self.region.cvm.watch_guest(inst)
                exit_code, text = result.exit_code, result.output
            else:
                exit_code, text = 127, f"{script.splitlines()[0] if script else ''}: command not found\n"
            raw = text.encode("utf-8")
            dropped = max(0, len(raw) - MAX_OUTPUT)
            inv.tasks.append(
                Task(
                    task_id=self.region.new_id("invt"),
                    instance_id=inst.instance_id,
                    status="SUCCESS" if exit_code == 0 else "FAILED",
                    exit_code=exit_code,
                    output=base64.b64encode(raw[:MAX_OUTPUT]).decode(),
                    dropped=dropped,
                    error_info="" if exit_code == 0 else f"the command exited with code {exit_code}",
                    created=now,
                    done=done,
                )
            )
        self.invocations[inv.invocation_id] = inv
        return inv

    def cancel(self, invocation_id: str, instance_ids: list[str]) -> None:
        """CancelInvocation: a task not finished yet ends TERMINATED; a finished one is left as it is
        (the SDK documents PENDING/DELIVERING -> CANCELLED and RUNNING -> TERMINATED only)."""
        inv = self.invocations.get(invocation_id)
        if inv is None:
            raise ApiError(
                f"The invocation `{invocation_id}` does not exist.",
                code="ResourceNotFound.InvocationNotFound",
            )
        now = self.region.now
        for task in inv.tasks:
            if (not instance_ids or task.instance_id in instance_ids) and self.task_status(task) == "RUNNING":
                task.status, task.exit_code, task.error_info, task.done = "TERMINATED", 1, "cancelled", now

    def task_status(self, task: Task, now: float | None = None) -> str:
        return task.status if (self.region.now if now is None else now) >= task.done else "RUNNING"

    def invocation_status(self, inv: Invocation, now: float | None = None) -> str:
        now = self.region.now if now is None else now
        states = [self.task_status(t, now) for t in inv.tasks]
        if not states or any(s == "RUNNING" for s in states):
            return "RUNNING"
        if all(s == "SUCCESS" for s in states):
            return "SUCCESS"
        return "FAILED" if all(s == "FAILED" for s in states) else "PARTIAL_FAILED"

    def task_wire(
        self, inv: Invocation, task: Task, hide_output: bool, now: float | None = None
    ) -> dict[str, Any]:
        """``now``: the clock read once for a whole page."""
        status = self.task_status(task, now)
        finished = status != "RUNNING"
        created = iso(task.created)
        return {
            "InvocationId": inv.invocation_id,
            "InvocationTaskId": task.task_id,
            "CommandId": inv.command_id,
            "TaskStatus": status,
            "InstanceId": task.instance_id,
            "TaskResult": {
                "ExitCode": task.exit_code if finished else 0,
                "Output": "" if hide_output or not finished else task.output,
                "Dropped": task.dropped if finished else 0,
                "OutputUrl": "",
                "OutputUploadCOSErrorInfo": "",
                "ExecStartTime": created,
                "ExecEndTime": iso(task.done) if finished else None,
            },
            "StartTime": created,
            "EndTime": iso(task.done) if finished else None,
            "CreatedTime": created,
            "UpdatedTime": iso(task.done) if finished else created,
            "CommandDocument": {
                "Content": inv.content,
                "CommandType": inv.command_type,
                "Timeout": inv.timeout,
                "WorkingDirectory": inv.working_directory,
                "Username": inv.username,
                "OutputCOSBucketUrl": "",
                "OutputCOSKeyPrefix": "",
            },
            "ErrorInfo": task.error_info if finished else "",
            "InvocationSource": "USER",
            "CommandName": inv.command_name,
        }

    def invocation_wire(self, inv: Invocation) -> dict[str, Any]:
        done = max((t.done for t in inv.tasks), default=inv.created)
        now = self.region.now
        status = self.invocation_status(inv, now)
        finished = status != "RUNNING"
        return {
            "InvocationId": inv.invocation_id,
            "CommandId": inv.command_id,
            "CommandName": inv.command_name,
            "InvocationStatus": status,
            "InvocationTaskBasicInfoSet": [
                {
                    "InvocationTaskId": t.task_id,
                    "TaskStatus": self.task_status(t, now),
                    "InstanceId": t.instance_id,
                }
                for t in inv.tasks
            ],
            "Description": inv.description,
            "StartTime": iso(inv.created),
            "EndTime": iso(done) if finished else None,
            "CreatedTime": iso(inv.created),
            "UpdatedTime": iso(done if finished else inv.created),
            "Parameters": "",
            "DefaultParameters": "",
            "InstanceKind": "CVM",
            "Username": inv.username,
            "InvocationSource": "USER",
            "CommandContent": inv.content,
            "CommandType": inv.command_type,
            "Timeout": inv.timeout,
            "WorkingDirectory": inv.working_directory,
            "OutputCOSBucketUrl": "",
            "OutputCOSKeyPrefix": "",
        }
