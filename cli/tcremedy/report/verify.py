"""Verify's report: ``format: "tcremedy.verify/v1"`` JSON and the human table. Pure."""

from __future__ import annotations

from typing import Any

from tcremedy.diagnose.findings import CODE_TITLES
from tcremedy.verify.outcome import PROTOCOL_TITLES, InstanceVerdict, VerifyReport

VERIFY_FORMAT = "tcremedy.verify/v1"


def verdict_data(v: InstanceVerdict) -> dict[str, Any]:
    cause = v.root_cause
    return {
        "instance_id": v.instance_id,
        "name": v.name,
        "address": v.address,
        "port": v.port,
        "outcome": v.outcome.value,
        "protocol": v.protocol,
        "detail": v.detail,
        "root_cause": None
        if cause is None
        else {"code": cause.code, "title": CODE_TITLES.get(cause.code, cause.code), "message": cause.message},
        "diagnosed_root_cause": v.diagnosed,
    }


def verify_document(report: VerifyReport, *, policy: str = "", endpoint: str = "") -> dict[str, Any]:
    return {
        "format": VERIFY_FORMAT,
        "policy": policy,
        "endpoint": endpoint,
        "port": report.port,
        "timeout_seconds": report.timeout,
        "all_connected": report.all_connected,
        "instances": [verdict_data(v) for v in report.instances],
        "summary": report.counts(),
    }


def render_verify(report: VerifyReport) -> str:
    """One line per instance, then the counts."""
    lines = [f"Connecting to TCP/{report.port} from {report.operator} (timeout {report.timeout:g}s):"]
    for v in report.instances:
        where = f"{v.address}:{v.port}" if v.address else "(no public IP)"
        head = f"  {v.instance_id:<14} {where:<22} {v.outcome.value:<10}"
        if v.protocol:
            head += f" {PROTOCOL_TITLES.get(v.protocol, v.protocol)}"
        if v.root_cause is not None:
            head += f"  <- {v.root_cause.code}: {v.root_cause.message}"
        elif not v.ok:
            head += f"  ({v.detail}; not explained by the diagnosis)"
        lines.append(head.rstrip())
    counts = ", ".join(f"{n} {k}" for k, n in report.counts().items()) or "no instance selected"
    lines.append(f"Verify: {counts}.")
    return "\n".join(lines) + "\n"
