"""``check_guest_agent`` (manual): a guest the TAT agent cannot reach is looked at over VNC."""

from __future__ import annotations

from tcremedy.remediate.fixes.base import FIXES, Fix


@FIXES.register
class CheckGuestAgent(Fix):
    name = "check_guest_agent"
    closes = ("GUEST_UNREACHABLE",)
