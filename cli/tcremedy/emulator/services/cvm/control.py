"""The control API's view of an instance: facts no public API can set (guest, load, status)."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.services.cvm.instance import Instance
from tcremedy.emulator.services.cvm.store import CvmStore


class ControlMixin(CvmStore):
    """Read and set what scenarios and tests control directly (``/_emulator/instances/...``)."""

    def control_view(self, instance_id: str) -> dict[str, Any]:
        """State, guest facts, load model and status of one instance."""
        inst = self.get(instance_id)
        return {
            "InstanceId": inst.instance_id,
            "InstanceState": inst.state,
            "guest": inst.guest.control_view(),
            "load": inst.load.control_view(),
            "status": self._status_view(inst),
        }

    @staticmethod
    def _status_view(inst: Instance) -> dict[str, Any]:
        return {
            "RestrictState": inst.restrict_state,
            "IsolatedSource": inst.isolated_source,
            "LatestOperation": inst.latest_operation,
            "LatestOperationState": inst.latest_operation_state,
            "LatestOperationErrorMsg": inst.latest_operation_error_msg,
            "FailPasswordReset": inst.fail_password_reset,
            "PasswordResetRestarts": inst.password_reset_restarts,
        }

    def set_guest(self, instance_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Change guest facts; returns the guest view."""
        inst = self.get(instance_id)
        inst.guest.update(fields)
        return inst.guest.control_view()

    def set_load(self, instance_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Change the load model; returns the load view."""
        inst = self.get(instance_id)
        inst.load.update(fields)
        return inst.load.control_view()

    def set_status(self, instance_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Change status fields (ValueError on an unknown field or value); returns the status view."""
        inst = self.get(instance_id)
        choices = {
            "RestrictState": ("NORMAL", "EXPIRED", "PROTECTIVELY_ISOLATED"),
            "IsolatedSource": ("NOTISOLATED", "ARREAR", "EXPIRE", "MANMADE"),
            "LatestOperationState": ("SUCCESS", "OPERATING", "FAILED", None),
        }
        for key, value in fields.items():
            if key in choices and value not in choices[key]:
                raise ValueError(f"status field {key!r} must be one of {list(choices[key])}")
            if key == "RestrictState":
                inst.restrict_state = value
            elif key == "IsolatedSource":
                inst.isolated_source = value
            elif key == "LatestOperation":
                inst.latest_operation = value if value is None else str(value)
            elif key == "LatestOperationState":
                inst.latest_operation_state = value
            elif key == "LatestOperationErrorMsg":
                inst.latest_operation_error_msg = value if value is None else str(value)
            elif key == "FailPasswordReset":
                if not isinstance(value, bool):
                    raise ValueError("status field 'FailPasswordReset' must be true or false")
                inst.fail_password_reset = value
            elif key == "PasswordResetRestarts":
                if not isinstance(value, bool):
                    raise ValueError("status field 'PasswordResetRestarts' must be true or false")
                inst.password_reset_restarts = value
            else:
                raise ValueError(
                    f"unknown status field {key!r}; expected one of "
                    "['FailPasswordReset', 'IsolatedSource', 'LatestOperation', "
                    "'LatestOperationErrorMsg', 'LatestOperationState', 'PasswordResetRestarts', "
                    "'RestrictState']"
                )
        self.touch(inst)
        return self._status_view(inst)
