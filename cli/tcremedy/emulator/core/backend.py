"""A base for service backends that keep no state of their own (see ``core.world`` for the contract)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState


class StatelessBackend:
    """Everything is derived from sibling backends (``self.region.cvm``...): nothing to persist."""

    def __init__(self, region: RegionState) -> None:
        self.region = region

    def snapshot(self) -> dict[str, Any]:
        return {}

    def restore(self, data: dict[str, Any]) -> None:
        """Nothing to restore: the state lives in the backends this one reads."""
