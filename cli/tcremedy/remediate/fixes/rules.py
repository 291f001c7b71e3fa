"""What the rule-making fixes (security-group rule, ACL entry) share: the key slug and the limits check."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tcremedy.remediate.limits import Limits, cidr_violation


def slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "-", text).strip("-")


def rule_violations(params: Mapping[str, Any], limits: Limits, port: str) -> list[str]:
    """An ACCEPT of TCP on ``port`` from one of the policy's admin CIDRs, or why not."""
    found = []
    if str(params.get("action", "")).upper() != "ACCEPT":
        found.append(f"action {params.get('action')!r} is not ACCEPT")
    if str(params.get("protocol", "")).upper() != "TCP":
        found.append(f"protocol {params.get('protocol')!r} is not TCP")
    if str(params.get("port", "")) != port:
        found.append(f"port {params.get('port')!r} is not {port}")
    if why := cidr_violation(params.get("cidr_block"), limits):
        found.append(why)
    return found
