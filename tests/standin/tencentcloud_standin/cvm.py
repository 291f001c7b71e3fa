"""``instance.Instance`` (adopted, updated in place) and ``cvm.RebootInstance``.

Instance follows ``services/cvm/resource_tc_instance.go``. Read (~l.1150-1750):
``DescribeInstances`` by id, retried while ``LatestOperationState`` is ``OPERATING``; sets zone,
image, type, name, VPC, subnet, ordered security groups, charge types, bandwidth,
``running_flag`` (false only when ``STOPPED``) and ``keep_image_login`` (when LoginSettings has it);
the password is never read (the state keeps the declared one). Its other Read calls (images, tags,
disks, user data) feed fields tcremedy ignores and are left out. Update, in the provider's order:
``password`` -> ``ResetInstancesPassword`` with ``ForceStop`` and no UserName
(``service_tencentcloud_cvm.go`` ``ModifyPassword``), then ``waitForOperationFinished`` (polls until
``LatestOperationState`` is no longer OPERATING; FAILED fails; instead of the provider's initial
10 s sleep it waits until the instance reports a new operation request id) -- the instance is never
started again; ``running_flag`` -> ``switchInstance``
(``StartInstances``, then poll until RUNNING; ``StopInstances`` for false);
``internet_max_bandwidth_out`` -> refused unless ``internet_charge_type`` is
TRAFFIC_POSTPAID_BY_HOUR, BANDWIDTH_POSTPAID_BY_HOUR or BANDWIDTH_PACKAGE (~l.2297-2301), else
``ResetInstancesInternetMaxBandwidth`` with that charge type, then ``waitForOperationFinished``.
tcremedy never creates or deletes an instance: those are refused here.

RebootInstance follows ``services/cvm/resource_tc_cvm_reboot_instance.go``: Create calls
``RebootInstances`` (StopType, or ForceReboot when no StopType) and returns at once; Read and
Delete do nothing.
"""

from __future__ import annotations

from typing import Any

from tencentcloud_standin.config import ProviderConfig, ProviderError, poll
from tencentcloud_standin.schema import INSTANCE, REBOOT

TYPES = (INSTANCE, REBOOT)
BANDWIDTH_CHARGE_TYPES = ("TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR", "BANDWIDTH_PACKAGE")


def _describe(cfg: ProviderConfig, iid: str) -> dict[str, Any] | None:
    found = cfg.call("cvm", "DescribeInstances", {"InstanceIds": [iid]}).get("InstanceSet") or []
    return found[0] if found else None


def _read_instance(cfg: ProviderConfig, iid: str) -> dict[str, Any] | None:
    box: dict[str, Any] = {}

    def settled() -> bool:
        box["inst"] = _describe(cfg, iid)
        return box["inst"] is None or box["inst"].get("LatestOperationState") != "OPERATING"

    poll(f"instance {iid} to finish its operation", settled)
    inst = box["inst"]
    if inst is None:
        return None
    net = inst.get("InternetAccessible") or {}
    vpc = inst.get("VirtualPrivateCloud") or {}
    out: dict[str, Any] = {
        "availabilityZone": (inst.get("Placement") or {}).get("Zone"),
        "imageId": inst.get("ImageId"),
        "instanceType": inst.get("InstanceType"),
        "instanceName": inst.get("InstanceName"),
        "vpcId": vpc.get("VpcId"),
        "subnetId": vpc.get("SubnetId"),
        "orderlySecurityGroups": list(inst.get("SecurityGroupIds") or []),
        "allocatePublicIp": bool(inst.get("PublicIpAddresses")),
        "instanceChargeType": inst.get("InstanceChargeType"),
        "internetChargeType": net.get("InternetChargeType"),
        "internetMaxBandwidthOut": net.get("InternetMaxBandwidthOut"),
        "runningFlag": inst.get("InstanceState") != "STOPPED",
        "instanceStatus": inst.get("InstanceState"),
        "publicIp": (inst.get("PublicIpAddresses") or [""])[0],
    }
    keep = (inst.get("LoginSettings") or {}).get("KeepImageLogin")
    if keep:
        out["keepImageLogin"] = keep == "TRUE"
    return out


def _operation_id(cfg: ProviderConfig, iid: str) -> str:
    return str((_describe(cfg, iid) or {}).get("LatestOperationRequestId") or "")


def _wait_operation(cfg: ProviderConfig, iid: str, before: str) -> None:
    """waitForOperationFinished(..., OPERATING, false): the provider first sleeps 10 s because
    DescribeInstances shows an operation a moment after it is accepted; the stand-in waits instead
    until the instance reports another operation than ``before`` (its ``LatestOperationRequestId``
    read just before the call), then until it is no longer OPERATING (FAILED fails)."""

    def finished() -> bool:
        inst = _describe(cfg, iid)
        if inst is None:
            raise ProviderError(f"{iid} not exists")
        if before and inst.get("LatestOperationRequestId") == before:
            return False  # still the previous operation
        state = inst.get("LatestOperationState")
        if state == "FAILED":
            raise ProviderError("failed operation")
        return state not in (None, "OPERATING")

    poll(f"instance {iid} operation", finished)


def _update_instance(cfg: ProviderConfig, iid: str, olds: dict[str, Any], news: dict[str, Any]) -> None:
    if news.get("password") and news.get("password") != olds.get("password"):
        before = _operation_id(cfg, iid)
        cfg.call(
            "cvm",
            "ResetInstancesPassword",
            {"InstanceIds": [iid], "Password": news["password"], "ForceStop": True},
        )
        _wait_operation(cfg, iid, before)
    if "runningFlag" in news and bool(news["runningFlag"]) != bool(olds.get("runningFlag")):
        if news["runningFlag"]:
            cfg.call("cvm", "StartInstances", {"InstanceIds": [iid]})
            poll(
                f"instance {iid} to be RUNNING",
                lambda: (_describe(cfg, iid) or {}).get("InstanceState") == "RUNNING",
            )
        else:
            cfg.call("cvm", "StopInstances", {"InstanceIds": [iid]})
            poll(
                f"instance {iid} to be STOPPED",
                lambda: (_describe(cfg, iid) or {}).get("InstanceState") == "STOPPED",
            )
    new_bw, old_bw = news.get("internetMaxBandwidthOut"), olds.get("internetMaxBandwidthOut")
    if new_bw is not None and new_bw != old_bw:
        charge = news.get("internetChargeType") or ""
        if charge not in BANDWIDTH_CHARGE_TYPES:
            raise ProviderError(
                "charge type should be one of `TRAFFIC_POSTPAID_BY_HOUR BANDWIDTH_POSTPAID_BY_HOUR "
                "BANDWIDTH_PACKAGE` when adjusting internet_max_bandwidth_out"
            )
        before = _operation_id(cfg, iid)
        cfg.call(
            "cvm",
            "ResetInstancesInternetMaxBandwidth",
            {
                "InstanceIds": [iid],
                "InternetAccessible": {"InternetChargeType": charge, "InternetMaxBandwidthOut": int(new_bw)},
            },
        )
        _wait_operation(cfg, iid, before)


def create(cfg: ProviderConfig, type_: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if type_ == INSTANCE:
        raise ProviderError("tcremedy only adopts instances (import); creating one is not served")
    iid = inputs["instanceId"]
    request: dict[str, Any] = {"InstanceIds": [iid]}
    if inputs.get("stopType"):
        request["StopType"] = inputs["stopType"]
    elif inputs.get("forceReboot") is not None:
        request["ForceReboot"] = bool(inputs["forceReboot"])
    cfg.call("cvm", "RebootInstances", request)
    return iid, {}


def read(cfg: ProviderConfig, type_: str, rid: str, state: dict[str, Any]) -> dict[str, Any] | None:
    return _read_instance(cfg, rid) if type_ == INSTANCE else {}


def update(
    cfg: ProviderConfig, type_: str, rid: str, olds: dict[str, Any], news: dict[str, Any]
) -> dict[str, Any]:
    if type_ != INSTANCE:
        raise ProviderError("cvm.RebootInstance has no Update (every field is ForceNew)")
    _update_instance(cfg, rid, olds, news)
    return _read_instance(cfg, rid) or {}


def delete(cfg: ProviderConfig, type_: str, rid: str, state: dict[str, Any]) -> None:
    if type_ == INSTANCE:
        raise ProviderError("tcremedy never deletes an instance (retain_on_delete)")
