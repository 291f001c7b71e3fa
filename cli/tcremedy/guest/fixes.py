"""In-guest fix scripts (PowerShell, run as SYSTEM by TAT RunCommand).

Each script's first line is ``# tcremedy-guest-fix <name> v1``; scripts that act on a port carry a
line ``$Port = <int>``. The emulator's guest recognises these markers, so the same scripts serve the
real cloud and the tests. Scripts print one line of JSON and exit non-zero when the fix did not hold.

Lock-out guard: a fix that could cut the admin's current path (``REVERTIBLE``) given
``revert_minutes`` first records the old values and registers a one-shot scheduled task that puts
them back after that many minutes (``schedule-revert.ps1``, line ``$RevertMinutes = <int>``);
``apply`` runs ``cancel-revert`` only once access is verified, so a dead apply or a failed
verification leaves the guest to revert by itself.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources

FIX_MARKER_PREFIX = "# tcremedy-guest-fix"
FIX_NAMES: tuple[str, ...] = (
    "enable-rdp",
    "start-termservice",
    "align-rdp-port",
    "allow-rdp-firewall",
    "credssp-mitigated",
    "nla-on",
    "nla-off",
    "cancel-revert",
)
PORT_FIXES = frozenset({"align-rdp-port", "allow-rdp-firewall"})
REVERTIBLE = frozenset({"align-rdp-port", "allow-rdp-firewall", "credssp-mitigated", "nla-on", "nla-off"})
CANCEL_REVERT = "cancel-revert"
COMMAND_NAME_PREFIX = "tcremedy-fix-"
# Where and as whom TAT runs the fixes, said explicitly on both paths: the pulumi-tencentcloud
# attachment defaults working_directory to "/root" whatever the command type
# (tat/resource_tc_tat_invocation_command_attachment.go ~l.62-66); TAT's Windows default is this
# directory and the System user (TAT RunCommand reference: WorkingDirectory, Username).
WORKING_DIRECTORY = r"C:\Program Files\qcloud\tat_agent\workdir"
RUN_AS = "System"


def fix_marker(name: str) -> str:
    return f"{FIX_MARKER_PREFIX} {name} v1"


def fix_script(name: str, port: int | None = None, revert_minutes: int | None = None) -> str:
    """The script text for fix ``name``; port fixes need ``port`` (1-65535); a ``REVERTIBLE`` fix
    with ``revert_minutes`` schedules its own revert first."""
    if name not in FIX_NAMES:
        raise ValueError(f"unknown guest fix {name!r}; expected one of {', '.join(FIX_NAMES)}")
    text = resources.files("tcremedy.guest").joinpath(f"fix-{name}.ps1").read_text(encoding="utf-8")
    if name in PORT_FIXES:
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"guest fix {name!r} needs a port in 1-65535, got {port!r}")
        text = text.replace("{{PORT}}", str(port))
    if name in REVERTIBLE:
        guard = "# no revert scheduled"
        if revert_minutes is not None:
            if not isinstance(revert_minutes, int) or not 1 <= revert_minutes <= 1440:
                raise ValueError(f"revert minutes must be in 1-1440, got {revert_minutes!r}")
            block = (
                resources.files("tcremedy.guest").joinpath("schedule-revert.ps1").read_text(encoding="utf-8")
            )
            guard = block.split("\n", 1)[1].replace("{{REVERT_MINUTES}}", str(revert_minutes)).rstrip("\n")
        text = text.replace("{{SCHEDULE_REVERT}}", guard)
    return text


def encoded_script(name: str, port: int | None = None, revert_minutes: int | None = None) -> str:
    """Base64 of the script, as TAT RunCommand's ``Content`` wants it."""
    return base64.b64encode(fix_script(name, port, revert_minutes).encode("utf-8")).decode("ascii")


def script_digest(name: str, port: int | None = None, revert_minutes: int | None = None) -> str:
    """A short digest of the exact script, recorded with the fix so a changed script re-runs."""
    return hashlib.sha256(fix_script(name, port, revert_minutes).encode("utf-8")).hexdigest()[:16]
