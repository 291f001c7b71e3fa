"""The CVM backend's state: instances, their wire-form cache, lookups, persistence, and the
lifecycle engine.

Lifecycle changes are queued as (due time, state) steps and settled lazily against the world
clock whenever the backend is read, so no background thread is needed and a test can move the
clock instead of sleeping (``World.transition_seconds`` per step, default 1 s).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tcremedy.emulator.core.errors import InvalidInstanceIdMalformed, InvalidInstanceIdNotFound
from tcremedy.emulator.core.protocol import PreEncoded
from tcremedy.emulator.services.cvm.instance import INSTANCE_ID, Instance
from tcremedy.serde import from_data, to_data

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState


OPERATION_REPORT_DELAY_READS = 1  # describes that still show the previous LatestOperation*


class CvmStore:
    """State and bookkeeping shared by the CVM backend's operation mixins."""

    def __init__(self, region: RegionState) -> None:
        self.region = region
        self.instances: dict[str, Instance] = {}
        self._moving: set[str] = set()  # instances with queued lifecycle steps
        self._reverting: set[str] = set()  # instances whose guest has scheduled reverts
        self._next_host: dict[str, int] = {}  # subnet id -> next host index for private IPs
        self._next_public = 0
        # Instance.to_wire() and its JSON text, dropped on change (``touch``)
        self._wire: dict[str, tuple[dict[str, Any], str]] = {}
        self._order: list[Instance] | None = None

    # -- persistence ------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Every instance and the address allocators, as plain data."""
        return {
            "instances": [to_data(i) for i in self.instances.values()],
            "next_host": dict(self._next_host),
            "next_public": self._next_public,
        }

    def restore(self, data: dict[str, Any]) -> None:
        """The inverse of ``snapshot``."""
        self.instances = {}
        for raw in data.get("instances", []):
            inst = from_data(Instance, raw)
            inst.steps = [tuple(s) for s in inst.steps]  # type: ignore[misc]
            self.instances[inst.instance_id] = inst
        self._moving = {i.instance_id for i in self.instances.values() if i.steps}
        self._reverting = {i.instance_id for i in self.instances.values() if i.guest.scheduled_reverts}
        self._next_host = dict(data.get("next_host", {}))
        self._next_public = int(data.get("next_public", 0))
        self._wire.clear()
        self._order = None

    # -- lookup -----------------------------------------------------------------------------
    def touch(self, inst: Instance) -> None:
        """Forget the cached wire form of a changed instance."""
        self._wire.pop(inst.instance_id, None)

    def wire(self, inst: Instance) -> dict[str, Any]:
        """The instance's wire form (cached until it changes)."""
        return self._cached(inst)[0]

    def wire_page(self, instances: list[Instance]) -> PreEncoded:
        """Wire dicts plus their cached JSON texts (see ``protocol.PreEncoded``)."""
        pairs = [self._cached(i) for i in instances]
        return PreEncoded([d for d, _ in pairs], [t for _, t in pairs])

    def warm(self) -> None:
        """Build every instance's wire form now: a server that has just built its fleet would
        otherwise pay for it while answering the first listing (``emulator serve`` calls this)."""
        self.settle()
        for inst in self.instances.values():
            self._cached(inst)

    def _cached(self, inst: Instance) -> tuple[dict[str, Any], str]:
        cached = self._wire.get(inst.instance_id)
        if cached is None:
            data = inst.to_wire()
            cached = self._wire[inst.instance_id] = (
                data,
                json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            )
        return cached

    def ordered(self) -> list[Instance]:
        """Every instance in creation order (the DescribeInstances listing order)."""
        if self._order is None:
            self._order = list(self.instances.values())
        return self._order

    def get(self, instance_id: str) -> Instance:
        """The instance by id (settled first); malformed and unknown ids raise the API's errors."""
        self.settle()
        if not isinstance(instance_id, str) or not INSTANCE_ID.match(instance_id):
            raise InvalidInstanceIdMalformed(str(instance_id))
        inst = self.instances.get(instance_id)
        if inst is None:
            raise InvalidInstanceIdNotFound(instance_id)
        return inst

    def get_many(self, instance_ids: list[str]) -> list[Instance]:
        """The instances by id, each once, in request order."""
        for iid in instance_ids:  # malformed ids are reported before unknown ones
            if not INSTANCE_ID.match(iid):
                raise InvalidInstanceIdMalformed(iid)
        return [self.get(iid) for iid in dict.fromkeys(instance_ids)]

    def new_uuid(self) -> str:
        """A UUID from the world's deterministic id stream (instance Uuid, operation request ids)."""
        return str(uuid.UUID(int=self.region.world.ids._rng.getrandbits(128)))

    # -- lifecycle engine -------------------------------------------------------------------
    def _begin(
        self,
        inst: Instance,
        operation: str,
        states: list[str],
        *,
        result: str = "SUCCESS",
        error_msg: str = "",
    ) -> None:
        """Start an operation: the first state now, each further state one transition later."""
        now, step = self.region.now, self.region.world.transition_seconds
        # The operation is accepted at once but shows up a moment later: the next describe(s) still
        # report the previous LatestOperation*, so a client must not read "not OPERATING" right after
        # its own call as done (DescribeInstances documents the result as asynchronous: poll
        # LatestOperationState). Deterministic: counted in describes (until a step is applied).
        inst.prior_operation = [inst.latest_operation, inst.latest_operation_state,
                                inst.latest_operation_request_id, inst.latest_operation_error_msg]
        inst.prior_reads = OPERATION_REPORT_DELAY_READS
        inst.latest_operation = operation
        inst.latest_operation_request_id = self.new_uuid()
        inst.pending_result, inst.pending_error_msg = result, error_msg
        if states:
            inst.state = states[0]
        inst.steps = [(now + step * (i + 1), s) for i, s in enumerate(states[1:])]
        if not states[1:]:  # an operation without a lifecycle still takes one step to report success
            inst.steps = [(now + step, inst.state)]
        inst.latest_operation_state = "OPERATING"
        self._moving.add(inst.instance_id)
        self.touch(inst)

    def watch_guest(self, inst: Instance) -> None:
        """Remember an instance whose guest scheduled a revert (``settle`` fires it when due)."""
        if inst.guest.scheduled_reverts:
            self._reverting.add(inst.instance_id)

    def settle(self) -> None:
        """Apply every lifecycle step and every scheduled guest revert that is due by now."""
        if self._reverting:
            now = self.region.now
            for iid in list(self._reverting):
                inst = self.instances.get(iid)
                if inst is None or not inst.guest.scheduled_reverts:
                    self._reverting.discard(iid)
                    continue
                if inst.guest.run_due(now):
                    self.touch(inst)
        if not self._moving:
            return
        now = self.region.now
        for iid in list(self._moving):
            inst = self.instances.get(iid)
            if inst is None:
                self._moving.discard(iid)
                continue
            changed = False
            while inst.steps and inst.steps[0][0] <= now:
                _, state = inst.steps.pop(0)
                changed = True
                inst.prior_reads = 0  # the operation has visibly progressed
                if state == "":  # termination done
                    self._remove(inst)
                    break
                inst.state = state
            if changed and iid in self.instances:
                if not inst.steps:
                    inst.latest_operation_state = inst.pending_result
                    inst.latest_operation_error_msg = inst.pending_error_msg
                    self._moving.discard(iid)
                self.touch(inst)

    def reported(self, instances: list[Instance]) -> None:
        """A describe listed ``instances``: one fewer delayed read of their previous operation."""
        for inst in instances:
            if inst.prior_reads > 0:
                inst.prior_reads -= 1
                self.touch(inst)

    def complete_transitions(self, instance_ids: Iterable[str] | None = None) -> None:
        """Finish queued lifecycle steps now (scenario building): of ``instance_ids``, else of all.

        The builder finishes each instance it creates as it goes, so only that one is touched:
        finishing every instance per creation made a fleet's build quadratic (3,000 instances:
        4.8 million touches)."""
        ids = self.instances.keys() if instance_ids is None else instance_ids
        for iid in ids:
            inst = self.instances.get(iid)
            if inst is None:
                continue
            inst.prior_reads = 0
            self.touch(inst)
            if iid in self._moving:
                inst.steps = [(0.0, s) for _, s in inst.steps]
        self.settle()

    def _remove(self, inst: Instance) -> None:
        self.instances.pop(inst.instance_id, None)
        self._moving.discard(inst.instance_id)
        self._wire.pop(inst.instance_id, None)
        self._order = None
