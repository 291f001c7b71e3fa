"""``guest_allow_rdp_firewall``: an inbound Windows Firewall rule allowing the policy's port."""

from __future__ import annotations

from tcremedy.remediate.fixes.base import FIXES
from tcremedy.remediate.fixes.guest_common import GuestFix


@FIXES.register
class GuestAllowRdpFirewall(GuestFix):
    name = "guest_allow_rdp_firewall"
    closes = ("GUEST_FIREWALL_BLOCKS_RDP",)
    script = "allow-rdp-firewall"
