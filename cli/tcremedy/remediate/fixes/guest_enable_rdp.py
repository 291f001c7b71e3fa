"""``guest_enable_rdp``: Remote Desktop on (fDenyTSConnections 0)."""

from __future__ import annotations

from tcremedy.remediate.fixes.base import FIXES
from tcremedy.remediate.fixes.guest_common import GuestFix


@FIXES.register
class GuestEnableRdp(GuestFix):
    name = "guest_enable_rdp"
    closes = ("GUEST_RDP_DISABLED",)
    script = "enable-rdp"
