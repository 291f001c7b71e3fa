"""Verify's verdicts: what the handshake saw for each instance, tied to the diagnosis that explains it.

Pure: a FleetDiagnosis, the live state and the probe results in, ``VerifyReport`` out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from tcremedy.cloud.state import LiveState
from tcremedy.diagnose.findings import Finding, Status
from tcremedy.diagnose.model import FleetDiagnosis, InstanceDiagnosis
from tcremedy.verify.probe import DEFAULT_TIMEOUT, Outcome, ProbeResult, Target, probe, probe_all

# Which causes explain which outcome: where on the packet's path each one stops a connection.
EXPLAINS: dict[Outcome, frozenset[str]] = {
    Outcome.NO_ADDRESS: frozenset({"NO_PUBLIC_IP"}),
    Outcome.TIMEOUT: frozenset(
        {
            "INSTANCE_ISOLATED",
            "INSTANCE_NOT_RUNNING",
            "BANDWIDTH_ZERO",
            "SG_BLOCKS_RDP",
            "ACL_BLOCKS_RDP",
            "BANDWIDTH_SATURATED",
            "CPU_SATURATED",
            "MEMORY_SATURATED",
            "GUEST_FIREWALL_BLOCKS_RDP",
            "GUEST_SECURITY_SOFTWARE",
        }
    ),
    Outcome.REFUSED: frozenset(
        {
            "GUEST_RDP_DISABLED",
            "GUEST_TERMSERVICE_STOPPED",
            "GUEST_RDP_NOT_LISTENING",
            "GUEST_RDP_PORT_CHANGED",
        }
    ),
    Outcome.NOT_RDP: frozenset({"GUEST_RDP_PORT_CHANGED"}),
    # The handshake succeeds, but logging on will not: causes past the negotiation.
    Outcome.CONNECTED: frozenset(
        {
            "CREDSSP_MISMATCH",
            "GUEST_CREDSSP_UNPATCHED",
            "GUEST_NLA_MISMATCH",
            "PASSWORD_RESET_FAILED",
            "CPU_SATURATED",
            "MEMORY_SATURATED",
            "BANDWIDTH_SATURATED",
        }
    ),
}
PROTOCOL_TITLES = {
    "rdp": "standard RDP security",
    "tls": "TLS",
    "credssp": "CredSSP (NLA)",
    "rdstls": "RDSTLS",
    "rdsaad": "RDS AAD auth",
}


@dataclass(frozen=True)
class InstanceVerdict:
    instance_id: str
    name: str
    address: str | None
    port: int
    outcome: Outcome
    protocol: str | None
    detail: str
    root_cause: Finding | None  # the diagnosed cause that explains the outcome, if any
    diagnosed: str | None  # the plan's root cause code (None = nothing fails)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.CONNECTED


@dataclass(frozen=True)
class VerifyReport:
    port: int
    timeout: float
    operator: str  # where the connections came from, as the user should read it
    instances: tuple[InstanceVerdict, ...]

    @property
    def all_connected(self) -> bool:
        return all(v.ok for v in self.instances)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for v in self.instances:
            out[v.outcome.value] = out.get(v.outcome.value, 0) + 1
        return dict(sorted(out.items()))


def explaining(diag: InstanceDiagnosis, outcome: Outcome) -> Finding | None:
    """The first failing finding (causal order) that explains ``outcome``."""
    codes = EXPLAINS.get(outcome, frozenset())
    return next((f for f in diag.findings if f.status is Status.FAIL and f.code in codes), None)


def verdicts(
    fleet: FleetDiagnosis, state: LiveState, port: int, results: Mapping[str, ProbeResult]
) -> tuple[InstanceVerdict, ...]:
    out = []
    for diag in fleet.instances:
        inst = state.instances.get(diag.instance_id)
        address = inst.public_ip_addresses[0] if inst is not None and inst.public_ip_addresses else None
        result = results[diag.instance_id]
        out.append(
            InstanceVerdict(
                instance_id=diag.instance_id,
                name=diag.name,
                address=address,
                port=port,
                outcome=result.outcome,
                protocol=result.protocol,
                detail=result.detail,
                root_cause=explaining(diag, result.outcome),
                diagnosed=diag.root_cause.code if diag.root_cause else None,
            )
        )
    return tuple(out)


def verify_fleet(
    fleet: FleetDiagnosis,
    state: LiveState,
    port: int,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    only: tuple[str, ...] = (),
    operator: str = "this machine",
    prober: Callable[[str, int, float], ProbeResult] = probe,
) -> VerifyReport:
    """Connect to every diagnosed instance (or those in ``only``) and judge what it answered."""
    if only:
        fleet = replace(fleet, instances=tuple(d for d in fleet.instances if d.instance_id in only))
    targets = []
    for diag in fleet.instances:
        inst = state.instances.get(diag.instance_id)
        address = inst.public_ip_addresses[0] if inst is not None and inst.public_ip_addresses else None
        targets.append(Target(diag.instance_id, address, port))
    results = probe_all(targets, timeout=timeout, prober=prober)
    return VerifyReport(port, timeout, operator, verdicts(fleet, state, port, results))
