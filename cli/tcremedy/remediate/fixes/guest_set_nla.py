"""``guest_set_nla``: RDP-Tcp's Network Level Authentication as the policy's ``guest.nla`` asks
(``nla-on`` for ``required``, ``nla-off`` for ``off``)."""

from __future__ import annotations

from tcremedy.policy.model import Policy
from tcremedy.remediate.fixes.base import FIXES
from tcremedy.remediate.fixes.guest_common import GuestFix


@FIXES.register
class GuestSetNla(GuestFix):
    name = "guest_set_nla"
    closes = ("GUEST_NLA_MISMATCH",)
    script = "nla-on"

    def scripts(self) -> tuple[str, ...]:
        return ("nla-on", "nla-off")

    def script_for(self, policy: Policy) -> str:
        return "nla-off" if policy.guest.nla == "off" else "nla-on"
