"""Changes to existing instances: bandwidth, password (with ForceStop), attributes."""

from __future__ import annotations

from tcremedy.emulator.core.errors import (
    ApiError,
    InvalidParameter,
    InvalidParameterValue,
    MissingParameter,
    UnsupportedOperation,
)
from tcremedy.emulator.services.cvm.instance import MAX_BANDWIDTH_MBPS
from tcremedy.emulator.services.cvm.lifecycle import STATE_ERROR, require_state
from tcremedy.emulator.services.cvm.network import NetworkMixin
from tcremedy.emulator.services.cvm.password import check_password

MAX_BOUND_GROUPS = 5  # LimitExceeded.AssociateUSGLimitExceeded: at most 5 groups per instance


class ChangesMixin(NetworkMixin):
    """Operations on existing instances other than the power operations."""

    def reset_bandwidth(
        self, instance_ids: list[str], bandwidth: int, start: str | None, end: str | None
    ) -> None:
        """ResetInstancesInternetMaxBandwidth, with the charge-type rules."""
        targets = self.get_many(instance_ids)
        charge_types = {i.internet_charge_type for i in targets}
        if len(charge_types) > 1:
            raise InvalidParameter("Instances with different InternetChargeType cannot be changed together.")
        (charge,) = charge_types
        if charge == "BANDWIDTH_POSTPAID_BY_MONTH":
            raise UnsupportedOperation(
                f"InternetChargeType {charge} is not supported.",
                code="UnsupportedOperation.InstanceChargeType",
            )
        if charge in ("BANDWIDTH_PREPAID", "BANDWIDTH_POSTPAID_BY_HOUR") and len(targets) > 1:
            raise InvalidParameterValue(
                f"Only one instance can be changed at a time when charged by {charge}.",
                code="InvalidParameterValue.LimitExceeded",
            )
        if charge == "BANDWIDTH_PREPAID":
            if not start:
                raise MissingParameter("StartTime")
            if not end:
                raise MissingParameter("EndTime")
            if bandwidth < targets[0].bandwidth_out:
                raise InvalidParameterValue(
                    "The bandwidth of a BANDWIDTH_PREPAID instance cannot be decreased.",
                    code="InvalidParameterValue.Range",
                )
        elif start or end:
            raise InvalidParameter(
                f"StartTime/EndTime are only supported for BANDWIDTH_PREPAID, not {charge}."
            )
        if not 0 <= bandwidth <= MAX_BANDWIDTH_MBPS:
            raise InvalidParameterValue(
                f"InternetMaxBandwidthOut must be within [0, {MAX_BANDWIDTH_MBPS}] Mbps.",
                code="InvalidParameterValue.Range",
            )
        for inst in targets:
            require_state(inst, "RUNNING", "STOPPED")
        for inst in targets:
            inst.bandwidth_out = bandwidth
            self._begin(inst, "ResetInstancesInternetMaxBandwidth", [inst.state])

    def reset_password(
        self, instance_ids: list[str], password: str, user: str | None, force_stop: bool
    ) -> None:
        """ResetInstancesPassword: a RUNNING instance needs ForceStop (stopped, reset, started)."""
        targets = self.get_many(instance_ids)
        windows = any(i.is_windows for i in targets)  # a mixed batch gets the Windows rules
        default_user = "Administrator" if windows else "root"
        check_password(password, user or default_user, windows)
        for inst in targets:
            if inst.state == "RUNNING" and not force_stop:
                code, message = STATE_ERROR["RUNNING"]
                raise UnsupportedOperation(
                    f"{message} Stop {inst.instance_id} first or pass ForceStop=true.", code=code
                )
            require_state(inst, "RUNNING", "STOPPED")
        for inst in targets:
            failed, inst.fail_password_reset = inst.fail_password_reset, False  # a one-shot control
            result, msg = (
                ("FAILED", "cloudbase-init did not confirm the password change")
                if failed
                else ("SUCCESS", "")
            )
            if inst.state == "RUNNING":  # ForceStop: stop, reset, start again (unless told not to)
                again = ["STARTING", "RUNNING"] if inst.password_reset_restarts else []
                self._begin(
                    inst,
                    "ResetInstancesPassword",
                    ["STOPPING", "STOPPED", *again],
                    result=result,
                    error_msg=msg,
                )
            else:
                self._begin(inst, "ResetInstancesPassword", ["STOPPED"], result=result, error_msg=msg)

    def associate_security_group(self, instance_ids: list[str], sg_id: str) -> None:
        """AssociateSecurityGroups: bind one more group, last in each instance's evaluation order."""
        targets = self.get_many(instance_ids)
        self.check_security_groups([sg_id])
        for inst in targets:
            if sg_id in inst.security_group_ids:
                raise ApiError(
                    f"The security group `{sg_id}` is already bound to {inst.instance_id}.",
                    code="FailedOperation.SecurityGroupActionFailed",
                )
            if len(inst.security_group_ids) >= MAX_BOUND_GROUPS:
                raise ApiError(
                    f"{inst.instance_id} already has {MAX_BOUND_GROUPS} security groups.",
                    code="LimitExceeded.AssociateUSGLimitExceeded",
                )
        for inst in targets:
            inst.security_group_ids = [*inst.security_group_ids, sg_id]
            self.touch(inst)

    def disassociate_security_group(self, instance_ids: list[str], sg_id: str) -> None:
        """DisassociateSecurityGroups: unbind a group; an instance keeps at least one."""
        targets = self.get_many(instance_ids)
        for inst in targets:
            if sg_id not in inst.security_group_ids or len(inst.security_group_ids) == 1:
                raise ApiError(
                    f"The security group `{sg_id}` cannot be unbound from {inst.instance_id}.",
                    code="FailedOperation.SecurityGroupActionFailed",
                )
        for inst in targets:
            inst.security_group_ids = [g for g in inst.security_group_ids if g != sg_id]
            self.touch(inst)

    def modify_attributes(
        self,
        instance_ids: list[str],
        *,
        name: str | None,
        security_groups: list[str] | None,
        user_data: str | None,
        disable_api_termination: bool | None,
    ) -> None:
        """ModifyInstanceAttribute: the given attributes (None = unchanged) on every instance."""
        targets = self.get_many(instance_ids)
        if security_groups is not None:
            if not security_groups:
                raise InvalidParameterValue("SecurityGroups must name at least one security group.")
            if len(set(security_groups)) != len(security_groups):
                raise InvalidParameterValue("SecurityGroups contains duplicates.")
            self.check_security_groups(security_groups)
        for inst in targets:
            if name is not None:
                inst.name = name
            if security_groups is not None:
                inst.security_group_ids = list(security_groups)
            if user_data is not None:
                inst.user_data = user_data
            if disable_api_termination is not None:
                inst.disable_api_termination = disable_api_termination
            self.touch(inst)
