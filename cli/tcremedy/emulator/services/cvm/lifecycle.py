"""Start, stop, reboot and terminate, and the wrong-state errors every CVM operation shares."""

from __future__ import annotations

from tcremedy.emulator.core.errors import ApiError, UnsupportedOperation
from tcremedy.emulator.services.cvm.instance import Instance
from tcremedy.emulator.services.cvm.store import CvmStore

STATE_ERROR = {  # current state -> the UnsupportedOperation code a wrong-state request gets
    "RUNNING": (
        "UnsupportedOperation.InstanceStateRunning",
        "Running instances do not support this operation.",
    ),
    "STOPPED": (
        "UnsupportedOperation.InstanceStateStopped",
        "The instance has been shut down, and this operation is not supported.",
    ),
    "PENDING": (
        "UnsupportedOperation.InstanceStatePending",
        "The instance is being created; try again later.",
    ),
    "STARTING": ("UnsupportedOperation.InstanceStateStarting", "The instance is starting; try again later."),
    "STOPPING": ("UnsupportedOperation.InstanceStateStopping", "The instance is stopping; try again later."),
    "REBOOTING": (
        "UnsupportedOperation.InstanceStateRebooting",
        "The instance is rebooting; try again later.",
    ),
    "TERMINATING": ("UnsupportedOperation.InstanceStateTerminating", "The instance is being terminated."),
    "SHUTDOWN": (
        "UnsupportedOperation.InstanceStateShutdown",
        "The instance is shut down, awaiting destruction.",
    ),
    "LAUNCH_FAILED": ("UnsupportedOperation.InstanceStateCorrupted", "The instance failed to launch."),
}


def require_state(inst: Instance, *allowed: str) -> None:
    """Raise the UnsupportedOperation code of the instance's state unless it is one of ``allowed``."""
    if inst.state not in allowed:
        code, message = STATE_ERROR.get(inst.state, ("InvalidInstanceState", "Invalid instance state."))
        raise UnsupportedOperation(f"{message} ({inst.instance_id} is {inst.state})", code=code)


class LifecycleMixin(CvmStore):
    """The power operations: every instance is checked before any of them changes."""

    def _transition(
        self, instance_ids: list[str], operation: str, allowed: tuple[str, ...], states: list[str]
    ) -> None:
        """Check every instance's state first, then start the operation on each."""
        targets = self.get_many(instance_ids)
        for inst in targets:
            require_state(inst, *allowed)
        for inst in targets:
            self._begin(inst, operation, states)

    def start(self, instance_ids: list[str]) -> None:
        self._transition(instance_ids, "StartInstances", ("STOPPED",), ["STARTING", "RUNNING"])

    def stop(self, instance_ids: list[str]) -> None:
        self._transition(instance_ids, "StopInstances", ("RUNNING",), ["STOPPING", "STOPPED"])

    def reboot(self, instance_ids: list[str]) -> None:
        self._transition(instance_ids, "RebootInstances", ("RUNNING",), ["REBOOTING", "RUNNING"])

    def terminate(self, instance_ids: list[str]) -> None:
        """Refused for protected instances and while PENDING or already TERMINATING."""
        targets = self.get_many(instance_ids)
        for inst in targets:
            if inst.disable_api_termination:
                raise ApiError(
                    f"Instance {inst.instance_id} is protected from termination.",
                    code="OperationDenied.DisableApiTermination",
                )
            if inst.state in ("TERMINATING", "PENDING"):
                require_state(inst, "RUNNING", "STOPPED")
        for inst in targets:
            self._begin(inst, "TerminateInstances", ["TERMINATING", ""])
