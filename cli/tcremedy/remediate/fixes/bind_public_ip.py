"""``bind_public_ip`` (manual): an instance without a public address needs an EIP or a bastion."""

from __future__ import annotations

from tcremedy.remediate.fixes.base import FIXES, Fix


@FIXES.register
class BindPublicIp(Fix):
    name = "bind_public_ip"
    closes = ("NO_PUBLIC_IP",)
