"""``guest_start_termservice``: (re)start Remote Desktop Services; its script also restarts a service
that runs but does not listen."""

from __future__ import annotations

from tcremedy.remediate.fixes.base import FIXES
from tcremedy.remediate.fixes.guest_common import GuestFix


@FIXES.register
class GuestStartTermservice(GuestFix):
    name = "guest_start_termservice"
    closes = (
        "GUEST_TERMSERVICE_STOPPED",
        "GUEST_RDP_NOT_LISTENING",
    )
    script = "start-termservice"
