"""The in-guest probe: the PowerShell script sent by TAT RunCommand and the parser of its output.

The script's first line is ``PROBE_MARKER``; the emulator's guest recognises it and answers with
the same JSON keys a real Windows guest prints, so one parser serves both.
"""

from __future__ import annotations

import json
from importlib import resources

from tcremedy.cloud.state import GuestFacts

PROBE_MARKER = "# tcremedy-guest-probe v1"
PROBE_COMMAND_NAME = "tcremedy-guest-probe"


def probe_script() -> str:
    """The PowerShell probe, as text (TAT wants it base64-encoded by the caller)."""
    return resources.files("tcremedy.guest").joinpath("probe.ps1").read_text(encoding="utf-8")


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
    )


def _int(value: object) -> int | None:
    return None if value is None or value == "" else int(value)  # type: ignore[arg-type]
