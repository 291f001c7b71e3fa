"""``guest_credssp_mitigated``: AllowEncryptionOracle set to 2 (Mitigated)."""

from __future__ import annotations

from tcremedy.remediate.fixes.base import FIXES
from tcremedy.remediate.fixes.guest_common import GuestFix


@FIXES.register
class GuestCredsspMitigated(GuestFix):
    name = "guest_credssp_mitigated"
    closes = ("CREDSSP_MISMATCH",)
    script = "credssp-mitigated"
