"""The in-guest probe: the PowerShell script sent by TAT RunCommand (``tcremedy.cloud.probe_output``
parses what it prints).

The script's first line is ``PROBE_MARKER``; the emulator's guest recognises it and answers with
the same JSON keys a real Windows guest prints, so one parser serves both.
"""

from __future__ import annotations

from importlib import resources

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
