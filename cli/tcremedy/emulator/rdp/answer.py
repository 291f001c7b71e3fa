"""What an emulated Windows guest's RDP endpoint does with one connection from the operator.

The packet first crosses the cloud (instance state, public bandwidth, the reachability ``judge``),
then the guest (Windows Firewall and third-party security software drop silently; a port nobody
listens on, disabled Remote Desktop or a stopped/stuck TermService close it), and only then does the
RDP stack answer the X.224 Connection Request the way the guest's settings say ([MS-RDPBCGR] 3.3.5.3.1
and 3.3.5.3.2: a server that requires Network Level Authentication selects CredSSP when offered,
otherwise answers HYBRID_REQUIRED_BY_SERVER; without NLA it prefers TLS, then standard RDP security).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from tcremedy.emulator.rdp.judge import judge
from tcremedy.verify import rdp

if TYPE_CHECKING:
    from tcremedy.emulator.core.world import RegionState
    from tcremedy.emulator.services.cvm.guest import Guest


class Action(StrEnum):
    SILENT = "silent"  # dropped on the way: accept (the kernel already has) but never answer
    RESET = "reset"  # reached the guest, nothing there to answer: close with RST
    NEGOTIATE = "negotiate"  # the RDP stack reads the request and answers it


@dataclass(frozen=True)
class Decision:
    action: Action
    why: str


def decide(region: RegionState, instance_id: str, source_ip: str, port: int) -> Decision:
    """Where a connection from ``source_ip`` to the instance's ``port`` ends up (under the world lock)."""
    cvm = region.cvm
    inst = cvm.instances.get(instance_id)
    if inst is None:
        return Decision(Action.RESET, "no such instance")
    cvm.settle()
    if inst.state != "RUNNING":
        return Decision(Action.SILENT, f"instance is {inst.state}")
    if inst.restrict_state != "NORMAL":
        return Decision(Action.SILENT, f"instance is isolated ({inst.restrict_state})")
    if inst.bandwidth_out <= 0:
        return Decision(Action.SILENT, "public bandwidth is 0 Mbps")
    verdict = judge(region, instance_id, source_ip, port)
    if not verdict.reachable:
        return Decision(Action.SILENT, f"dropped at {verdict.stopped_at}: {verdict.rule}")
    return guest_decision(inst.guest, port)


def guest_decision(guest: Guest, port: int) -> Decision:
    """The guest's part: its firewalls, then whether RDP listens on ``port``."""
    if guest.firewall_profiles_enabled and port not in guest.firewall_allow_ports:
        return Decision(Action.SILENT, f"Windows Firewall has no inbound allow rule for TCP/{port}")
    blocking = [s for s in getattr(guest, "security_software", []) if s.get("BlocksRdp")]
    if blocking:
        return Decision(Action.SILENT, f"{blocking[0].get('Name')} filters inbound RDP")
    if port != guest.rdp_port or not guest.listening:
        return Decision(Action.RESET, f"nothing listens on TCP/{port}")
    return Decision(Action.NEGOTIATE, "RDP listens")


def negotiate(guest: Guest, request: rdp.ConnectionRequest) -> bytes:
    """The Connection Confirm this guest sends for ``request`` (MS-RDPBCGR 3.3.5.3.1 / 3.3.5.3.2)."""
    offered = request.requested_protocols
    if offered is None:  # a client from before negotiation: standard RDP security, or nothing
        return rdp.connection_confirm(rdp.LegacyConfirm())
    if guest.user_authentication:  # NLA required
        if offered & rdp.PROTOCOL_HYBRID:
            return rdp.connection_confirm(rdp.Selected(rdp.PROTOCOL_HYBRID, 0x1F))
        return rdp.connection_confirm(rdp.Failure(rdp.HYBRID_REQUIRED_BY_SERVER))
    if offered & rdp.PROTOCOL_SSL:
        return rdp.connection_confirm(rdp.Selected(rdp.PROTOCOL_SSL, 0x1F))
    return rdp.connection_confirm(rdp.Selected(rdp.PROTOCOL_RDP, 0x1F))
