"""The in-guest probe: the PowerShell script sent by TAT RunCommand and the parser of its output.

The script's first line is ``PROBE_MARKER``; the emulator's guest recognises it and answers with
the same JSON keys a real Windows guest prints, so one parser serves both.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from tcremedy.cloud.state import GuestFacts

PROBE_MARKER = "# tcremedy-guest-probe v1"
PROBE_COMMAND_NAME = "tcremedy-guest-probe"

# Third-party firewall / host-protection Windows services the probe looks for, by service name, each
# from its vendor's documentation:
SECURITY_SERVICES: dict[str, str] = {
    # Broadcom KB 170706 "Processes and services used by Endpoint Protection 14"
    # (https://knowledge.broadcom.com/external/article/170706): the SEP client service.
    "SepMasterService": "Symantec Endpoint Protection",
    # same KB: "Symantec Network Access Control" (snac64.exe) enforces network access policy.
    "SNAC": "Symantec Network Access Control",
}


def probe_script() -> str:
    """The PowerShell probe, as text (TAT wants it base64-encoded by the caller)."""
    text = resources.files("tcremedy.guest").joinpath("probe.ps1").read_text(encoding="utf-8")
    return text.replace("@(SECURITY_SERVICES)", "@(" + ", ".join(f"'{n}'" for n in SECURITY_SERVICES) + ")")


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
