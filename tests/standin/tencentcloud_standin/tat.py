"""``tat.InvocationCommandAttachment``, following
``services/tat/resource_tc_tat_invocation_command_attachment.go`` and ``service_tencentcloud_tat.go``.

Create sends ``RunCommand`` with every set field (``working_directory`` included: its schema
default is ``/root`` for any command type), sets the ID ``<invocation>#<instance>`` and returns
after Read: it never looks at the tasks, so a failing script does not fail the step. Read
(``DescribeTatInvocationById``: ``DescribeInvocations`` by id) sets content, command type,
working directory, timeout, default parameters, parameters, username, the COS fields and the
command id from the invocation -- all but the command id are ForceNew inputs, so a value the
program did not declare (``username`` "System", say) is a replace on the next run. An
invocation that is gone is a deleted resource. Delete calls ``CancelInvocation``.
"""

from __future__ import annotations

from typing import Any

from tencentcloud_standin.config import ProviderConfig, ProviderError, retry_write
from tencentcloud_standin.schema import TAT_ATTACHMENT

TYPES = (TAT_ATTACHMENT,)
SEP = "#"  # tccommon.FILED_SP
REQUEST_FIELDS = {  # input -> RunCommand parameter
    "content": "Content",
    "commandName": "CommandName",
    "description": "Description",
    "commandType": "CommandType",
    "workingDirectory": "WorkingDirectory",
    "timeout": "Timeout",
    "saveCommand": "SaveCommand",
    "enableParameter": "EnableParameter",
    "defaultParameters": "DefaultParameters",
    "parameters": "Parameters",
    "username": "Username",
    "outputCosBucketUrl": "OutputCOSBucketUrl",
    "outputCosKeyPrefix": "OutputCOSKeyPrefix",
}
READ_FIELDS = {  # invocation field -> state field set by Read
    "CommandContent": "content",
    "CommandType": "commandType",
    "WorkingDirectory": "workingDirectory",
    "Timeout": "timeout",
    "DefaultParameters": "defaultParameters",
    "Parameters": "parameters",
    "Username": "username",
    "OutputCOSBucketUrl": "outputCosBucketUrl",
    "OutputCOSKeyPrefix": "outputCosKeyPrefix",
    "CommandId": "commandId",
}


def create(cfg: ProviderConfig, type_: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    request: dict[str, Any] = {"InstanceIds": [inputs["instanceId"]]}
    for name, param in REQUEST_FIELDS.items():
        value = inputs.get(name)
        if value is not None and value != "":
            request[param] = value
    found = retry_write(lambda: cfg.call("tat", "RunCommand", request))
    rid = f"{found['InvocationId']}{SEP}{inputs['instanceId']}"
    return rid, read(cfg, type_, rid, inputs) or {}


def read(cfg: ProviderConfig, type_: str, rid: str, state: dict[str, Any]) -> dict[str, Any] | None:
    parts = rid.split(SEP)
    if len(parts) != 2:
        raise ProviderError(f"id is broken,{rid}")
    found = cfg.call("tat", "DescribeInvocations", {"InvocationIds": [parts[0]], "Offset": 0, "Limit": 20})
    invocations = found.get("InvocationSet") or []
    if not invocations:
        return None
    inv = invocations[0]
    out: dict[str, Any] = {"instanceId": parts[1]}
    for field, name in READ_FIELDS.items():
        if inv.get(field) is not None:
            out[name] = inv[field]
    return out


def update(
    cfg: ProviderConfig, type_: str, rid: str, olds: dict[str, Any], news: dict[str, Any]
) -> dict[str, Any]:
    raise ProviderError("tat.InvocationCommandAttachment has no Update (every field is ForceNew)")


def delete(cfg: ProviderConfig, type_: str, rid: str, state: dict[str, Any]) -> None:
    invocation, instance = rid.split(SEP)
    cfg.call("tat", "CancelInvocation", {"InvocationId": invocation, "InstanceIds": [instance]})
