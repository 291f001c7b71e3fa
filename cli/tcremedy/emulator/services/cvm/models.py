"""The CVM backend: instances, their lifecycle, bandwidth, passwords, attributes.

One class built from one mixin per concern (as moto builds its EC2 backend):

* ``store``: state, wire-form cache, lookups, persistence and the lazy lifecycle engine;
* ``lifecycle``: start / stop / reboot / terminate and the wrong-state errors;
* ``creation`` (with ``network``): RunInstances, VPC checks and address allocation;
* ``changes``: bandwidth, password and attribute changes;
* ``control``: the control API's guest / load / status facts.

The instance record lives in ``instance``, the image catalogue in ``images``.
"""

from __future__ import annotations

from tcremedy.emulator.services.cvm.changes import ChangesMixin
from tcremedy.emulator.services.cvm.control import ControlMixin
from tcremedy.emulator.services.cvm.creation import CreationMixin
from tcremedy.emulator.services.cvm.instance import DEFAULT_INSTANCE_TYPE, INSTANCE_ID, Instance, iso
from tcremedy.emulator.services.cvm.lifecycle import STATE_ERROR, LifecycleMixin

__all__ = ["DEFAULT_INSTANCE_TYPE", "INSTANCE_ID", "STATE_ERROR", "CvmBackend", "Instance", "iso"]


class CvmBackend(LifecycleMixin, CreationMixin, ChangesMixin, ControlMixin):
    """Every instance of one region (``region.cvm``)."""
