"""The Windows guest inside an emulated instance, and what TAT scripts do to it.

The guest answers exactly two kinds of script: the project's read-only probe (first line
``PROBE_MARKER``) and the guest FIX scripts (first line ``# tcremedy-guest-fix <name> v1``).
Anything else fails like a real agent would report an unknown command, never a fake success.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tcremedy.guest.probe import PROBE_MARKER

AGENT_STATES = ("Online", "Offline", "NotInstalled")
FIX_HEADER = re.compile(r"^#\s*tcremedy-guest-fix\s+([a-z0-9-]+)\s+v1\s*$")
PORT_LINE = re.compile(r"^\s*\$Port\s*=\s*(\d+)\s*;?\s*$", re.MULTILINE)
REVERT_LINE = re.compile(r"^\s*\$RevertMinutes\s*=\s*(\d+)\s*;?\s*$", re.MULTILINE)
# What each reversible fix changes, as control-API fields: what its scheduled revert puts back.
REVERT_FIELDS: dict[str, tuple[str, ...]] = {
    "align-rdp-port": ("RdpPort", "TdsPort"),
    "allow-rdp-firewall": ("FirewallAllowPorts",),
    "credssp-mitigated": ("AllowEncryptionOracle",),
    "nla-on": ("UserAuthentication",),
    "nla-off": ("UserAuthentication",),
}
FIX_NAMES = (
    "enable-rdp",
    "start-termservice",
    "align-rdp-port",
    "allow-rdp-firewall",
    "credssp-mitigated",
    "nla-on",
    "nla-off",
    "cancel-revert",
)


@dataclass
class Guest:
    """In-guest facts of a Windows instance (probe JSON keys in the comments)."""

    rdp_port: int = 3389  # RdpPort (WinStations\RDP-Tcp PortNumber)
    tds_port: int = 3389  # TdsPort (Wds\rdpwd\Tds\tcp PortNumber)
    deny_ts_connections: int = 0  # fDenyTSConnections
    termservice_state: str = "Running"  # TermServiceState
    termservice_start_mode: str = "Auto"  # TermServiceStartMode
    firewall_profiles_enabled: list[str] = field(default_factory=lambda: ["Domain", "Private", "Public"])
    firewall_allow_ports: list[int] = field(default_factory=lambda: [3389])  # enabled inbound TCP allow rules
    user_authentication: int = 1  # UserAuthentication (NLA)
    allow_encryption_oracle: int | None = 1  # AllowEncryptionOracle; None = value absent
    credssp_patched: bool = True  # CredSspPatched
    agent: str = "Online"  # TAT agent: Online | Offline | NotInstalled
    # MonitorAgent (control only): Cloud Monitor's agent runs in the guest and reports its own metrics
    # (CpuUsage, MemUsage); without it only the host-side ones have data (monitor/models.py)
    monitor_agent: bool = True
    listener_stuck: bool = False  # ListenerStuck (control only): Running, yet nothing listens until restarted
    # SecuritySoftware: third-party firewall / host-protection services, {"Name", "State", "BlocksRdp"};
    # the probe sees Name and State, BlocksRdp (control only) says whether it really filters RDP
    security_software: list[dict[str, Any]] = field(default_factory=list)
    top_cpu: list[dict[str, Any]] = field(default_factory=list)  # TopCpu: {"Name", "Id", "CpuSeconds"}
    top_memory: list[dict[str, Any]] = field(default_factory=list)  # TopMemory: {Name, Id, WorkingSetMB}
    # one-shot scheduled tasks a fix registered: {"Task", "Due" (world clock), "Restore" (fields)}
    scheduled_reverts: list[dict[str, Any]] = field(default_factory=list)

    def run_due(self, now: float) -> bool:
        """Run the scheduled reverts that are due (the Task Scheduler firing); True when any ran."""
        due = [t for t in self.scheduled_reverts if t["Due"] <= now]
        if not due:
            return False
        self.scheduled_reverts = [t for t in self.scheduled_reverts if t["Due"] > now]
        for task in due:
            self.update(dict(task["Restore"]))
            if "RdpPort" in task["Restore"]:
                self.listener_stuck = False  # the revert restarts TermService
        return True

    @property
    def listening(self) -> bool:
        running = self.termservice_state == "Running"
        return running and self.deny_ts_connections == 0 and not self.listener_stuck

    def probe_json(self) -> str:
        """The one-line JSON the PowerShell probe prints (same keys, same types)."""
        return json.dumps(
            {
                "RdpPort": self.rdp_port,
                "TdsPort": self.tds_port,
                "fDenyTSConnections": self.deny_ts_connections,
                "TermServiceState": self.termservice_state,
                "TermServiceStartMode": self.termservice_start_mode,
                "Listening": self.listening,
                "FirewallProfilesEnabled": list(self.firewall_profiles_enabled),
                "FirewallAllowsRdpPort": self.rdp_port in self.firewall_allow_ports,
                "UserAuthentication": self.user_authentication,
                "AllowEncryptionOracle": self.allow_encryption_oracle,
                "CredSspPatched": self.credssp_patched,
                "SecuritySoftware": [
                    {"Name": s["Name"], "State": s["State"]} for s in self.security_software
                ],
                "TopCpu": list(self.top_cpu),
                "TopMemory": list(self.top_memory),
            },
            separators=(",", ":"),
        )

    # -- control API: the probe's own keys set the facts ------------------------------------
    def update(self, fields: dict[str, Any]) -> None:
        """Apply control-API fields: probe keys, AgentStatus, MonitorAgent, FirewallAllowPorts,
        ListenerStuck."""
        for key, value in fields.items():
            setter = _SETTERS.get(key)
            if setter is None:
                raise ValueError(f"unknown guest field {key!r}; expected one of {sorted(_SETTERS)}")
            setter(self, value)

    def control_view(self) -> dict[str, Any]:
        data = json.loads(self.probe_json())
        data["AgentStatus"] = self.agent
        data["MonitorAgent"] = self.monitor_agent
        data["FirewallAllowPorts"] = list(self.firewall_allow_ports)
        data["ListenerStuck"] = self.listener_stuck
        data["SecuritySoftware"] = [dict(s) for s in self.security_software]
        data["ScheduledReverts"] = [{"Task": t["Task"], "Due": t["Due"]} for t in self.scheduled_reverts]
        return data


def _int(name: str, lo: int, hi: int) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"guest field {name!r} must be an integer in [{lo}, {hi}]")
        return value

    return check


def _choice(name: str, options: tuple[str, ...]) -> Any:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"guest field {name!r} must be one of {list(options)}")
        return value

    return check


def _bool(name: str) -> Any:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"guest field {name!r} must be true or false")
        return value

    return check


def _set_allows(guest: Guest, value: Any) -> None:
    allowed = set(guest.firewall_allow_ports)
    if _bool("FirewallAllowsRdpPort")(value):
        allowed.add(guest.rdp_port)
    else:
        allowed.discard(guest.rdp_port)
    guest.firewall_allow_ports = sorted(allowed)


def _set_ports(guest: Guest, value: Any) -> None:
    if not isinstance(value, list):
        raise ValueError("guest field 'FirewallAllowPorts' must be a list of ports")
    guest.firewall_allow_ports = sorted({_int("FirewallAllowPorts", 1, 65535)(v) for v in value})


def _set_profiles(guest: Guest, value: Any) -> None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or any(v not in ("Domain", "Private", "Public") for v in value):
        raise ValueError("guest field 'FirewallProfilesEnabled' must list Domain/Private/Public")
    guest.firewall_profiles_enabled = list(value)


def _set_security_software(guest: Guest, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, dict) and v.get("Name") for v in value):
        raise ValueError("guest field 'SecuritySoftware' must be a list of {Name, State, BlocksRdp}")
    guest.security_software = [
        {
            "Name": str(v["Name"]),
            "State": _choice("SecuritySoftware.State", ("Running", "Stopped"))(v.get("State", "Running")),
            "BlocksRdp": _bool("SecuritySoftware.BlocksRdp")(v.get("BlocksRdp", True)),
        }
        for v in value
    ]


def _processes(name: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) and v.get("Name") for v in value):
        raise ValueError(f"guest field {name!r} must be a list of process objects with a Name")
    return [dict(v) for v in value]


def _set_oracle(guest: Guest, value: Any) -> None:
    guest.allow_encryption_oracle = None if value is None else _int("AllowEncryptionOracle", 0, 2)(value)


_SETTERS: dict[str, Any] = {
    "RdpPort": lambda g, v: setattr(g, "rdp_port", _int("RdpPort", 1, 65535)(v)),
    "TdsPort": lambda g, v: setattr(g, "tds_port", _int("TdsPort", 1, 65535)(v)),
    "fDenyTSConnections": lambda g, v: setattr(g, "deny_ts_connections", _int("fDenyTSConnections", 0, 1)(v)),
    "TermServiceState": lambda g, v: setattr(
        g,
        "termservice_state",
        _choice("TermServiceState", ("Running", "Stopped", "Paused", "Start Pending", "Stop Pending"))(v),
    ),
    "TermServiceStartMode": lambda g, v: setattr(
        g, "termservice_start_mode", _choice("TermServiceStartMode", ("Auto", "Manual", "Disabled"))(v)
    ),
    "FirewallProfilesEnabled": _set_profiles,
    "FirewallAllowsRdpPort": _set_allows,
    "FirewallAllowPorts": _set_ports,
    "UserAuthentication": lambda g, v: setattr(g, "user_authentication", _int("UserAuthentication", 0, 1)(v)),
    "AllowEncryptionOracle": _set_oracle,
    "CredSspPatched": lambda g, v: setattr(g, "credssp_patched", _bool("CredSspPatched")(v)),
    "AgentStatus": lambda g, v: setattr(g, "agent", _choice("AgentStatus", AGENT_STATES)(v)),
    "ListenerStuck": lambda g, v: setattr(g, "listener_stuck", _bool("ListenerStuck")(v)),
    "MonitorAgent": lambda g, v: setattr(g, "monitor_agent", _bool("MonitorAgent")(v)),
    "SecuritySoftware": _set_security_software,
    "TopCpu": lambda g, v: setattr(g, "top_cpu", _processes("TopCpu", v)),
    "TopMemory": lambda g, v: setattr(g, "top_memory", _processes("TopMemory", v)),
}


@dataclass(frozen=True)
class ScriptResult:
    exit_code: int
    output: str  # combined stdout/stderr text (TAT base64-encodes it)

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0


def run_powershell(guest: Guest, script: str, now: float = 0.0) -> ScriptResult:
    """Execute a PowerShell script in the emulated guest (probe or fix; anything else fails).

    ``now`` is the world clock: a fix that schedules its revert (``$RevertMinutes``) registers it
    ``RevertMinutes * 60`` seconds ahead; ``Guest.run_due`` fires it.
    """
    lines = script.lstrip("\ufeff").splitlines()
    first = lines[0].strip() if lines else ""
    if first == PROBE_MARKER:
        return ScriptResult(0, guest.probe_json() + "\r\n")
    match = FIX_HEADER.match(first)
    if match:
        return _run_fix(guest, match.group(1), script, now)
    return ScriptResult(1, _ps_error(first or "<empty script>"))


def _ps_error(token: str) -> str:
    word = token.split()[0] if token.split() else token
    return (
        f"{word} : The term '{word}' is not recognized as the name of a cmdlet, function, script file, "
        "or operable program. Check the spelling of the name, or if a path was included, verify that "
        "the path is correct and try again.\r\n"
        "    + CategoryInfo          : ObjectNotFound: (" + word + ":String) [], CommandNotFoundException\r\n"
        "    + FullyQualifiedErrorId : CommandNotFoundException\r\n"
    )


def _run_fix(guest: Guest, name: str, script: str, now: float) -> ScriptResult:
    if name not in FIX_NAMES:
        return ScriptResult(1, f"tcremedy-guest-fix: unknown fix '{name}'\r\n")
    if name == "cancel-revert":
        cancelled = [t["Task"] for t in guest.scheduled_reverts]
        guest.scheduled_reverts = []
        return ScriptResult(0, json.dumps({"Fix": name, "Cancelled": cancelled}) + "\r\n")
    revert = REVERT_LINE.search(script)
    if revert and name in REVERT_FIELDS:  # Register-ScheduledTask -Once, before the change
        view = guest.control_view()
        task = f"tcremedy-revert-{name}"
        guest.scheduled_reverts = [t for t in guest.scheduled_reverts if t["Task"] != task]
        guest.scheduled_reverts.append(
            {
                "Task": task,
                "Due": now + int(revert.group(1)) * 60,
                "Restore": {k: view[k] for k in REVERT_FIELDS[name]},
            }
        )
    port: int | None = None
    if name in ("align-rdp-port", "allow-rdp-firewall"):
        found = PORT_LINE.search(script)
        if not found or not 1 <= int(found.group(1)) <= 65535:
            return ScriptResult(1, f"tcremedy-guest-fix {name}: the script sets no valid $Port\r\n")
        port = int(found.group(1))
    if name == "enable-rdp":
        guest.deny_ts_connections = 0
    elif name == "start-termservice":  # starts a stopped service, restarts a running one
        guest.termservice_start_mode = "Auto"
        guest.termservice_state = "Running"
        guest.listener_stuck = False
    elif name == "align-rdp-port":  # the script restarts TermService too
        assert port is not None
        guest.rdp_port = guest.tds_port = port
        guest.listener_stuck = False
    elif name == "allow-rdp-firewall":
        assert port is not None
        guest.firewall_allow_ports = sorted({*guest.firewall_allow_ports, port})
    elif name == "credssp-mitigated":
        guest.allow_encryption_oracle = 1
    elif name in ("nla-on", "nla-off"):
        guest.user_authentication = 1 if name == "nla-on" else 0
    return ScriptResult(0, f"tcremedy-guest-fix {name}: applied\r\n")
