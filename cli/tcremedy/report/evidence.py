"""Evidence a person reads: one renderer per finding code, turning a finding's evidence into a small
table of plain strings (no JSON, no empty values). The terminal, Markdown and any other human view
draw these tables; they carry no styling, so the same data renders anywhere.

* security groups / network ACL: admin CIDR | port | verdict | deciding rule (as the console shows it)
* capacity: the figure against the ceiling, with a sparkline of the window's samples
* guest: the registry values (and service states) that decide RDP, found vs what the policy wants
* anything else: its facts, one per row
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tcremedy.diagnose.findings import Finding, Status
from tcremedy.serde import to_data

SPARKS = "▁▂▃▄▅▆▇█"

# The registry values the guest probe reads (tcremedy/guest/probe.ps1), named by key tail and value:
#   HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server              fDenyTSConnections
#   ...\Terminal Server\WinStations\RDP-Tcp, ...\Wds\rdpwd\Tds\tcp        PortNumber
#   HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System\CredSSP\Parameters
#                                                                     AllowEncryptionOracle
REGISTRY = {
    "fDenyTSConnections": r"Terminal Server\fDenyTSConnections",
    "rdp_port": r"RDP-Tcp\PortNumber",
    "tds_port": r"Tds\tcp\PortNumber",
    "allow_encryption_oracle": r"CredSSP\Parameters\AllowEncryptionOracle",
    "user_authentication": r"RDP-Tcp\UserAuthentication",
}
NLA_VALUE = {"required": "1", "off": "0"}


@dataclass(frozen=True)
class EvidenceView:
    """A finding's evidence as a table of strings; ``note`` is a one-line lead (e.g. why unknown)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


Renderer = Callable[[Finding], EvidenceView]
RENDERERS: dict[str, Renderer] = {}


def renders(*codes: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        for code in codes:
            RENDERERS[code] = fn
        return fn

    return register


def evidence_view(finding: Finding) -> EvidenceView:
    """The table for ``finding``; an UNKNOWN finding leads with why the check could not be made."""
    view = RENDERERS.get(finding.code, facts_view)(finding)
    if finding.status is Status.UNKNOWN and not view.note:
        reason = str(finding.evidence.get("reason") or "")
        view = EvidenceView(view.columns, view.rows, f"could not check: {reason}" if reason else "")
    return view


# ---------------------------------------------------------------- plain values


def is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple, dict, set)) and not value)


def plain(value: Any) -> str:
    """A value as a person writes it: lists joined, mappings as key=value, booleans as yes/no."""
    value = to_data(value)
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value if not is_empty(v))
    if isinstance(value, dict):
        return ", ".join(f"{k}={plain(v)}" for k, v in value.items() if not is_empty(v))
    return str(value)


def label(key: str) -> str:
    return key.replace("_", " ")


def facts_view(finding: Finding, skip: Iterable[str] = ("reason",)) -> EvidenceView:
    """Fallback: every non-empty evidence value, one per row."""
    skipped = set(skip)
    rows = tuple(
        (label(k), plain(v))
        for k, v in finding.evidence.items()
        if k not in skipped and not is_empty(v) and plain(v)
    )
    return EvidenceView(("fact", "value"), rows)


# ---------------------------------------------------------------- security groups and network ACLs

ACTION_WORD = {"ACCEPT": "Allow", "DROP": "Reject"}
VERDICT_WORD = {"allow": "allowed", "deny": "denied", "unknown": "unknown"}


def _rule_source(rule: Mapping[str, Any]) -> str:
    for key in (
        "cidr_block",
        "ipv6_cidr_block",
        "source_security_group_id",
        "address_template_id",
        "address_template_group_id",
    ):
        if rule.get(key):
            return str(rule[key])
    return "?"


def console_rule(ref: Mapping[str, Any], groups: Sequence[str] = ()) -> str:
    """A deciding rule as the console lists it: where it is, its position, policy, protocol:port, peer."""
    kind, rid, index = ref.get("kind", ""), ref.get("resource_id", ""), ref.get("index")
    rule = ref.get("rule") or {}
    if kind == "default_deny":
        where = rid or ", ".join(groups)
        what = "no entry matches" if rid.startswith("acl-") else "no rule matches"
        return f"{where}: {what} (implicit Reject)" if where else f"{what} (implicit Reject)"
    if kind == "no_acl":
        return "no network ACL on the subnet"
    if index is None or not rule or "destination_port" in rule:  # a QUINTUPLE entry: its own text
        return str(ref.get("text", ""))
    action = ACTION_WORD.get(str(ref.get("action", "")).upper(), str(ref.get("action", "")))
    service = rule.get("service_template_id") or rule.get("service_template_group_id")
    if not service:
        service = f"{str(rule.get('protocol', 'ALL')).upper()}:{rule.get('port') or 'ALL'}"
    word = "to" if ref.get("direction") == "egress" else "from"
    described = f" ({rule['description']})" if rule.get("description") else ""
    return f"{rid} #{index}: {action} {service} {word} {_rule_source(rule)}{described}"


def _verdict_rows(
    verdicts: Sequence[Mapping[str, Any]], groups: Sequence[str], direction: str = ""
) -> list[tuple[str, ...]]:
    rows = []
    for verdict in verdicts:
        for part in verdict.get("parts", ()):
            cidrs = ", ".join(part.get("cidrs") or [verdict.get("source", "")])
            decided = console_rule(part.get("decided_by") or {}, groups)
            doubts = [console_rule(u, groups) for u in part.get("uncertain_because") or ()]
            if doubts:
                decided += "; unless first: " + "; ".join(doubts)
            row = (cidrs, str(part.get("ports", "")), VERDICT_WORD.get(part.get("access", ""), ""), decided)
            rows.append((direction, *row) if direction else row)
    return rows


@renders("SG_BLOCKS_RDP")
def security_group_view(finding: Finding) -> EvidenceView:
    ev = to_data(finding.evidence)
    verdicts = ev.get("verdicts") or ()
    if not verdicts:
        return facts_view(finding)
    rows = _verdict_rows(verdicts, ev.get("security_group_ids") or ())
    return EvidenceView(("admin CIDR", "port", "verdict", "deciding rule"), tuple(rows))


@renders("ACL_BLOCKS_RDP")
def network_acl_view(finding: Finding) -> EvidenceView:
    ev = to_data(finding.evidence)
    if not ev.get("inbound") and not ev.get("outbound"):
        return facts_view(finding)
    rows = _verdict_rows(ev.get("inbound") or (), (), "in") + _verdict_rows(
        ev.get("outbound") or (), (), "reply"
    )
    return EvidenceView(("direction", "admin CIDR", "ports", "verdict", "deciding rule"), tuple(rows))


# ---------------------------------------------------------------- capacity


def sparkline(values: Sequence[float], top: float | None = None) -> str:
    """One block character per sample, scaled from 0 to ``top`` (default: the largest sample)."""
    if not values:
        return ""
    high = top if top else max(values)
    if high <= 0:
        return SPARKS[0] * len(values)
    return "".join(
        SPARKS[min(len(SPARKS) - 1, max(0, int(v / high * (len(SPARKS) - 1) + 0.5)))] for v in values
    )


def _window(ev: Mapping[str, Any], top: float | None) -> tuple[str, str]:
    """(column title, cell): the window's samples as a sparkline scaled to ``top`` (the cap, or 100%)."""
    series = ev.get("series") or ()
    count = ev.get("samples") or len(series)
    title = f"{count} samples, {ev.get('window_seconds')} s" if count else f"{ev.get('window_seconds')} s"
    return title, sparkline(series, top) or "-"


@renders("BANDWIDTH_SATURATED")
def bandwidth_saturated_view(finding: Finding) -> EvidenceView:
    ev = to_data(finding.evidence)
    if "max_mbps" not in ev:
        return facts_view(finding)
    cap = ev["internet_max_bandwidth_out"]
    ceiling = f"{ev['threshold_mbps']:g} ({ev['ceiling_percent']:g}% of {cap})"
    title, spark = _window(ev, cap)
    return EvidenceView(("peak Mbps", "ceiling Mbps", title), ((f"{ev['max_mbps']:.2f}", ceiling, spark),))


@renders("CPU_SATURATED", "MEMORY_SATURATED")
def utilisation_view(finding: Finding) -> EvidenceView:
    ev = to_data(finding.evidence)
    if "max" not in ev:
        return facts_view(finding, skip=("reason", "window_seconds"))
    title, spark = _window(ev, 100.0)
    row = (f"{ev['max']:g}% ({ev.get('metric', '')})", f"{ev['threshold']:g}%", spark)
    top = (ev.get("top_processes") or [{}])[0]
    if top.get("Name"):  # the Task Manager step: what ate it
        return EvidenceView(
            ("peak", "ceiling", title, "top process"), ((*row, f"{top['Name']} (pid {top.get('Id')})"),)
        )
    return EvidenceView(("peak", "ceiling", title), (row,))


@renders("BANDWIDTH_ZERO", "BANDWIDTH_BELOW_POLICY")
def bandwidth_view(finding: Finding) -> EvidenceView:
    ev = to_data(finding.evidence)
    if "internet_max_bandwidth_out" not in ev:
        return facts_view(finding)
    figure = f"{ev['internet_max_bandwidth_out']} Mbps out"
    charge = ev.get("internet_charge_type") or ""
    row = (figure, f"at least {ev['min_bandwidth_mbps']} Mbps", charge)
    return EvidenceView(("figure", "policy minimum", "charge type"), (row,) if charge else (row[:2],))


# ---------------------------------------------------------------- guest


def _guest_view(rows: Iterable[tuple[str, Any, str]]) -> EvidenceView:
    shown = tuple(
        (name, plain(found) if not is_empty(found) else "absent", want) for name, found, want in rows
    )
    return EvidenceView(("setting", "found", "policy wants"), shown)


@renders("GUEST_RDP_DISABLED")
def rdp_disabled_view(finding: Finding) -> EvidenceView:
    if "fDenyTSConnections" not in finding.evidence:
        return facts_view(finding)
    return _guest_view([(REGISTRY["fDenyTSConnections"], finding.evidence["fDenyTSConnections"], "0")])


@renders("GUEST_TERMSERVICE_STOPPED", "GUEST_RDP_NOT_LISTENING")
def termservice_view(finding: Finding) -> EvidenceView:
    ev = finding.evidence
    if "termservice_state" not in ev and "listening" not in ev:
        return facts_view(finding)
    rows: list[tuple[str, Any, str]] = []
    if ev.get("termservice_state"):
        mode = ev.get("termservice_start_mode")
        found = f"{ev['termservice_state']}" + (f" (start mode {mode})" if mode else "")
        rows.append(("service TermService", found, "Running"))
    if "fDenyTSConnections" in ev:
        rows.append((REGISTRY["fDenyTSConnections"], ev["fDenyTSConnections"], "0"))
    if ev.get("listening") is not None:
        port = f"TCP/{ev['rdp_port']}" if ev.get("rdp_port") else "the RDP port"
        rows.append((f"listener on {port}", "listening" if ev["listening"] else "none", "listening"))
    return _guest_view(rows)


@renders("GUEST_RDP_PORT_CHANGED")
def port_view(finding: Finding) -> EvidenceView:
    ev = finding.evidence
    if "rdp_port" not in ev:
        return facts_view(finding)
    want = str(ev.get("policy_port", ""))
    rows = [(REGISTRY["rdp_port"], ev["rdp_port"], want)]
    if ev.get("tds_port") is not None:
        rows.append((REGISTRY["tds_port"], ev["tds_port"], want))
    return _guest_view(rows)


@renders("GUEST_FIREWALL_BLOCKS_RDP")
def firewall_view(finding: Finding) -> EvidenceView:
    ev = finding.evidence
    if "firewall_profiles_enabled" not in ev:
        return facts_view(finding)
    rows: list[tuple[str, Any, str]] = [("Windows Firewall profiles on", ev["firewall_profiles_enabled"], "")]
    if ev.get("firewall_allows_rdp_port") is not None:
        allowed = "present" if ev["firewall_allows_rdp_port"] else "none"
        rows.append((f"inbound allow rule for TCP/{ev.get('port', '')}", allowed, "present"))
    return _guest_view(rows)


@renders("CREDSSP_MISMATCH")
def credssp_view(finding: Finding) -> EvidenceView:
    ev = finding.evidence
    if "allowed" not in ev:
        return facts_view(finding)
    allowed = " or ".join("absent" if a is None else str(a) for a in ev["allowed"])
    rows: list[tuple[str, Any, str]] = [
        (REGISTRY["allow_encryption_oracle"], ev.get("allow_encryption_oracle"), allowed)
    ]
    if ev.get("credssp_patched") is not None:
        rows.append(("CredSSP update (2018) installed", ev["credssp_patched"], ""))
    return _guest_view(rows)


@renders("GUEST_NLA_MISMATCH")
def nla_view(finding: Finding) -> EvidenceView:
    ev = finding.evidence
    if "policy_nla" not in ev:
        return facts_view(finding)
    want = NLA_VALUE.get(str(ev["policy_nla"]), str(ev["policy_nla"]))
    return _guest_view([(REGISTRY["user_authentication"], ev.get("user_authentication"), want)])


@renders("GUEST_CREDSSP_UNPATCHED")
def credssp_unpatched_view(finding: Finding) -> EvidenceView:
    ev = finding.evidence
    if "credssp_patched" not in ev:
        return facts_view(finding)
    rows: list[tuple[str, Any, str]] = [("CredSSP update (2018, KB4093492)", "not installed", "installed")]
    if "allow_encryption_oracle" in ev:
        rows.append((REGISTRY["allow_encryption_oracle"], ev["allow_encryption_oracle"], ""))
    return _guest_view(rows)


@renders("GUEST_SECURITY_SOFTWARE")
def security_software_view(finding: Finding) -> EvidenceView:
    services = finding.evidence.get("services") or ()
    if not services:
        return facts_view(finding)
    rows = tuple(
        (
            str(s.get("Name", "")),
            plain({k: v for k, v in s.items() if k not in ("Name", "State")}),
            str(s.get("State", "")),
        )
        for s in services
    )
    if not any(details for _, details, _ in rows):
        return EvidenceView(("service", "state"), tuple((name, state) for name, _, state in rows))
    return EvidenceView(("service", "details", "state"), rows)
