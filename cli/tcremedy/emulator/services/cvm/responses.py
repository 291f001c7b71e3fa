"""CVM 2017-03-12 handlers: read wire parameters, call the backend, shape the response."""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.dispatch import action
from tcremedy.emulator.core.errors import (
    ApiError,
    InvalidInstanceIdMalformed,
    InvalidParameter,
    InvalidParameterValue,
    MissingParameter,
)
from tcremedy.emulator.core.world import RegionState
from tcremedy.emulator.services.cvm import images
from tcremedy.emulator.services.cvm import regions as _regions  # noqa: F401  (registers DescribeRegions)
from tcremedy.emulator.services.cvm.filters import matching
from tcremedy.emulator.services.cvm.instance import DEFAULT_INSTANCE_TYPE, INSTANCE_ID
from tcremedy.emulator.services.cvm.lifecycle import STATE_ERROR
from tcremedy.emulator.services.cvm.models import CvmBackend

SERVICE, VERSION = "cvm", "2017-03-12"
MAX_IDS = 100


def _backend(region: RegionState) -> CvmBackend:
    backend: CvmBackend = region.cvm
    backend.settle()
    return backend


def _ids(params: dict[str, Any], name: str = "InstanceIds") -> list[str]:
    ids = p.str_list(params, name, required=True, max_items=MAX_IDS)
    assert ids is not None
    return ids


def _check_formats(ids: list[str]) -> None:
    for iid in ids:
        if not INSTANCE_ID.match(iid):
            raise InvalidInstanceIdMalformed(iid)


@action(SERVICE, VERSION, "DescribeInstances")
def describe_instances(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    cvm = _backend(region)
    ids = p.str_list(params, "InstanceIds", max_items=MAX_IDS)
    filters = p.filters(params)
    if ids and filters:
        raise InvalidParameter(
            "The parameters `InstanceIds` and `Filters` cannot be specified at the same time."
        )
    offset, limit = p.paging(params)
    if ids:
        _check_formats(ids)  # malformed -> error; unknown -> simply absent from the result
        wanted = set(ids)
        found = [i for i in cvm.ordered() if i.instance_id in wanted]
    else:
        found = matching(cvm.ordered(), filters)
    shown = found[offset : offset + limit]
    page = cvm.wire_page(shown)
    cvm.reported(shown)
    return {"TotalCount": len(found), "InstanceSet": page}


@action(SERVICE, VERSION, "DescribeInstancesStatus")
def describe_instances_status(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    cvm = _backend(region)
    ids = p.str_list(params, "InstanceIds", max_items=MAX_IDS)
    offset, limit = p.paging(params)
    if ids:
        wanted = set(ids)
        _check_formats(ids)
        found = [i for i in cvm.ordered() if i.instance_id in wanted]
    else:
        found = cvm.ordered()
    return {
        "TotalCount": len(found),
        "InstanceStatusSet": [
            {"InstanceId": i.instance_id, "InstanceState": i.state} for i in found[offset : offset + limit]
        ],
    }


@action(SERVICE, VERSION, "StartInstances")
def start_instances(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    _backend(region).start(_ids(params))
    return {}


@action(SERVICE, VERSION, "StopInstances")
def stop_instances(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("ForceStop") is not None and params.get("StopType") is not None:
        raise ApiError(
            "ForceStop and StopType cannot be specified together.", code="InvalidParameterCombination"
        )
    stop_type = p.string(params, "StopType", "SOFT")
    if stop_type not in ("SOFT", "HARD", "SOFT_FIRST"):
        raise InvalidParameterValue(f"StopType must be SOFT, HARD or SOFT_FIRST, not `{stop_type}`.")
    mode = p.string(params, "StoppedMode", "KEEP_CHARGING")
    if mode not in ("KEEP_CHARGING", "STOP_CHARGING"):
        raise InvalidParameterValue(f"StoppedMode must be KEEP_CHARGING or STOP_CHARGING, not `{mode}`.")
    p.boolean(params, "ForceStop")
    _backend(region).stop(_ids(params))
    return {}


@action(SERVICE, VERSION, "RebootInstances")
def reboot_instances(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("ForceReboot") is not None and params.get("StopType") is not None:
        raise ApiError(
            "ForceReboot and StopType cannot be specified together.", code="InvalidParameterCombination"
        )
    stop_type = p.string(params, "StopType", "SOFT")
    if stop_type not in ("SOFT", "HARD", "SOFT_FIRST"):
        raise InvalidParameterValue(f"StopType must be SOFT, HARD or SOFT_FIRST, not `{stop_type}`.")
    _backend(region).reboot(_ids(params))
    return {}


@action(SERVICE, VERSION, "TerminateInstances")
def terminate_instances(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    _backend(region).terminate(_ids(params))
    return {}


@action(SERVICE, VERSION, "RunInstances")
def run_instances(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    placement = p.obj(params, "Placement", required=True) or {}
    zone = p.string(placement, "Zone", required=True)
    image_id = p.string(params, "ImageId", required=True)
    vpc = p.obj(params, "VirtualPrivateCloud", required=True) or {}
    vpc_id = p.string(vpc, "VpcId", required=True)
    subnet_id = p.string(vpc, "SubnetId", required=True)
    fixed_ips = p.str_list(vpc, "PrivateIpAddresses") or []
    internet = p.obj(params, "InternetAccessible") or {}
    bandwidth = p.integer(internet, "InternetMaxBandwidthOut", 0)
    public_ip = p.boolean(internet, "PublicIpAssigned", bool(bandwidth))
    disk = p.obj(params, "SystemDisk") or {}
    count = p.integer(params, "InstanceCount", 1, minimum=1, maximum=100)
    tags: dict[str, str] = {}
    for spec in p.obj_list(params, "TagSpecification") or []:
        if spec.get("ResourceType", "instance") != "instance":
            continue
        for tag in p.obj_list(spec, "Tags") or []:
            tags[str(p.string(tag, "Key", required=True))] = str(p.string(tag, "Value", ""))
    user_data = p.string(params, "UserData", "") or ""
    if user_data:
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidParameterValue("UserData must be base64-encoded.") from None
    if p.boolean(params, "DryRun"):
        raise ApiError("The request would have succeeded, but DryRun was set.", code="DryRunOperation")
    assert zone and image_id and vpc_id and subnet_id and count is not None and bandwidth is not None
    ids = _backend(region).run_instances(
        zone=zone,
        image_id=image_id,
        instance_type=p.string(params, "InstanceType", DEFAULT_INSTANCE_TYPE) or "",
        vpc_id=vpc_id,
        subnet_id=subnet_id,
        security_group_ids=p.str_list(params, "SecurityGroupIds") or [],
        charge_type=p.string(params, "InstanceChargeType", "POSTPAID_BY_HOUR") or "",
        internet_charge_type=p.string(internet, "InternetChargeType", "TRAFFIC_POSTPAID_BY_HOUR") or "",
        bandwidth_out=bandwidth,
        public_ip=public_ip,
        name=p.string(params, "InstanceName", "") or "",
        count=count,
        tags=tags,
        user_data=user_data,
        disk_type=p.string(disk, "DiskType", "CLOUD_PREMIUM") or "",
        disk_size=p.integer(disk, "DiskSize", 50, minimum=20, maximum=2048) or 50,
        private_ip=fixed_ips[0] if fixed_ips else None,
    )
    return {"InstanceIdSet": ids}


@action(SERVICE, VERSION, "ResetInstancesInternetMaxBandwidth")
def reset_bandwidth(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    ids = _ids(params)
    internet = p.obj(params, "InternetAccessible", required=True) or {}
    bandwidth = p.integer(internet, "InternetMaxBandwidthOut", required=True)
    assert bandwidth is not None
    _backend(region).reset_bandwidth(
        ids, bandwidth, p.string(params, "StartTime"), p.string(params, "EndTime")
    )
    return {}


@action(SERVICE, VERSION, "InquiryPriceResetInstancesInternetMaxBandwidth")
def inquiry_price_reset_bandwidth(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    ids = _ids(params)
    internet = p.obj(params, "InternetAccessible", required=True) or {}
    bandwidth = p.integer(internet, "InternetMaxBandwidthOut", required=True, minimum=0, maximum=200)
    targets = _backend(region).get_many(ids)
    if {i.internet_charge_type for i in targets} == {"TRAFFIC_POSTPAID_BY_HOUR"}:
        return {"Price": {"BandwidthPrice": {"UnitPrice": 0.8, "ChargeUnit": "GB"}}}
    price = round(0.063 * (bandwidth or 0) * len(targets), 2)
    return {
        "Price": {"BandwidthPrice": {"UnitPrice": price, "ChargeUnit": "HOUR", "UnitPriceDiscount": price}}
    }


@action(SERVICE, VERSION, "ResetInstancesPassword")
def reset_password(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    ids = _ids(params)
    password = p.string(params, "Password", required=True)
    user = p.string(params, "UserName")
    if user is not None and len(user) > 64:
        raise InvalidParameterValue(
            "UserName is longer than 64 characters.", code="InvalidParameterValue.TooLong"
        )
    assert password is not None
    _backend(region).reset_password(ids, password, user, p.boolean(params, "ForceStop"))
    return {}


@action(SERVICE, VERSION, "DescribeInstanceVncUrl")
def describe_vnc_url(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    iid = p.string(params, "InstanceId", required=True)
    assert iid is not None
    inst = _backend(region).get(iid)
    if inst.state != "RUNNING":
        code, message = STATE_ERROR.get(inst.state, ("InvalidInstanceState", "Invalid instance state."))
        raise ApiError(message, code=code)
    token = base64.urlsafe_b64encode(f"{iid}:{region.now:.0f}".encode()).decode().rstrip("=")
    url = (
        f"wss://{region.name.split('-')[-1][:2]}vnc.qcloud.com:26789/vnc?s={token}&password="
        f"&isWindows={'true' if inst.is_windows else 'false'}&isUbuntu=false"
    )
    return {"InstanceVncUrl": urllib.parse.quote(url, safe="")}


@action(SERVICE, VERSION, "DescribeImages")
def describe_images(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    ids = p.str_list(params, "ImageIds", max_items=MAX_IDS)
    filters = p.filters(params)
    if ids and filters:
        raise InvalidParameter(
            "The parameters `ImageIds` and `Filters` cannot be specified at the same time."
        )
    offset, limit = p.paging(params, default_limit=20, max_limit=100)
    found = list(images.IMAGES)
    if ids:
        found = [img for img in found if img.image_id in ids]
    checks = {
        "image-id": lambda img, vs: img.image_id in vs,
        "image-type": lambda img, vs: "PUBLIC_IMAGE" in vs,
        "image-name": lambda img, vs: any(v in img.os_name for v in vs),
        "platform": lambda img, vs: img.platform in vs,
        "image-state": lambda img, vs: "NORMAL" in vs,
    }
    for name, values in filters:
        if name not in checks:
            raise ApiError(
                f"The filter `{name}` is not supported; supported: {sorted(checks)}.", code="InvalidFilter"
            )
        found = [img for img in found if checks[name](img, values)]
    return {"TotalCount": len(found), "ImageSet": [img.to_wire() for img in found[offset : offset + limit]]}


@action(SERVICE, VERSION, "DescribeInstancesAttributes")
def describe_instances_attributes(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    attributes = p.str_list(params, "Attributes", required=True) or []
    unknown = [a for a in attributes if a != "UserData"]
    if unknown:
        raise InvalidParameterValue(f"Unsupported attribute(s) {unknown}; supported: ['UserData'].")
    targets = _backend(region).get_many(_ids(params))
    return {
        "InstanceSet": [
            {"InstanceId": i.instance_id, "Attributes": {"UserData": i.user_data}} for i in targets
        ]
    }


def _one_group(params: dict[str, Any]) -> str:
    groups = p.str_list(params, "SecurityGroupIds", required=True, max_items=1) or []
    if len(groups) != 1:
        raise InvalidParameterValue("SecurityGroupIds must name exactly one security group.")
    return groups[0]


@action(SERVICE, VERSION, "AssociateSecurityGroups")
def associate_security_groups(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    _backend(region).associate_security_group(_ids(params), _one_group(params))
    return {}


@action(SERVICE, VERSION, "DisassociateSecurityGroups")
def disassociate_security_groups(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    _backend(region).disassociate_security_group(_ids(params), _one_group(params))
    return {}


@action(SERVICE, VERSION, "ModifyInstancesAttribute")
def modify_instances_attribute(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    ids = _ids(params)
    name = p.string(params, "InstanceName")
    if name is not None and not 1 <= len(name) <= 128:
        raise InvalidParameterValue("InstanceName must be 1-128 characters.")
    security_groups = p.str_list(params, "SecurityGroups", max_items=5)
    user_data = p.string(params, "UserData")
    disable = params.get("DisableApiTermination")
    if disable is not None:
        disable = p.boolean(params, "DisableApiTermination")
    if name is None and security_groups is None and user_data is None and disable is None:
        raise MissingParameter("InstanceName")
    _backend(region).modify_attributes(
        ids, name=name, security_groups=security_groups, user_data=user_data, disable_api_termination=disable
    )
    return {}
