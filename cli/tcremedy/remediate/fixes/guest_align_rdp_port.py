"""``guest_align_rdp_port``: set the RDP-Tcp listener's port to the policy's port."""

from __future__ import annotations

from tcremedy.remediate.fixes.base import FIXES
from tcremedy.remediate.fixes.guest_common import GuestFix


@FIXES.register
class GuestAlignRdpPort(GuestFix):
    name = "guest_align_rdp_port"
    closes = ("GUEST_RDP_PORT_CHANGED",)
    script = "align-rdp-port"
