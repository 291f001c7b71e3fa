"""The guest probe's output (``tcremedy.guest.probe``'s script prints one JSON line) as GuestFacts."""

from __future__ import annotations

import json
from typing import Any

from tcremedy.cloud.state import GuestFacts


def parse_probe_output(output: str) -> GuestFacts:
    """Parse the probe's JSON line into GuestFacts; raises ValueError on anything else."""
    line = next((ln for ln in reversed(output.strip().splitlines()) if ln.strip().startswith("{")), None)
    if line is None:
        raise ValueError("probe printed no JSON object")
    raw = json.loads(line)
    profiles = raw.get("FirewallProfilesEnabled")
    if isinstance(profiles, str):  # ConvertTo-Json collapses a one-item array to a string
        profiles = [profiles]
    return GuestFacts(
        rdp_port=_int(raw.get("RdpPort")),
        tds_port=_int(raw.get("TdsPort")),
        deny_ts_connections=_int(raw.get("fDenyTSConnections")),
        termservice_state=raw.get("TermServiceState") or None,
        termservice_start_mode=raw.get("TermServiceStartMode") or None,
        listening=raw.get("Listening"),
        firewall_profiles_enabled=tuple(profiles) if profiles is not None else None,
        firewall_allows_rdp_port=raw.get("FirewallAllowsRdpPort"),
        nla_required=_int(raw.get("UserAuthentication")),
        allow_encryption_oracle=_int(raw.get("AllowEncryptionOracle")),
        credssp_patched=raw.get("CredSspPatched"),
        security_software=_records(raw, "SecuritySoftware"),
        top_cpu=_records(raw, "TopCpu"),
        top_memory=_records(raw, "TopMemory"),
    )


def _records(raw: dict[str, Any], key: str) -> tuple[dict[str, Any], ...] | None:
    """A list of small objects (ConvertTo-Json prints a one-item array as the object itself)."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        value = [value]
    return tuple(dict(v) for v in value if isinstance(v, dict))


def _int(value: object) -> int | None:
    return None if value is None or value == "" else int(value)  # type: ignore[arg-type]
