"""What an emulated Windows guest's RDP endpoint does with one connection from the operator.

The packet first crosses the cloud and the guest's firewall (the emulator's reachability ``judge``),
then third-party security software (drops silently), then the listener (a port nobody listens on,
disabled Remote Desktop or a stopped/stuck TermService close it), and only then does the
RDP stack answer the X.224 Connection Request the way the guest's settings say ([MS-RDPBCGR] 3.3.5.3.1
and 3.3.5.3.2: a server that requires Network Level Authentication selects CredSSP when offered,
otherwise answers HYBRID_REQUIRED_BY_SERVER; without NLA it prefers TLS, then standard RDP security).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from tcremedy.emulator.judge import judge
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
    """Where a connection from ``source_ip`` to the instance's ``port`` ends up (under the world lock).

    The emulator's own packet-level judge (``tcremedy.emulator.judge``) walks the packet through the
    instance gate, the ACL, the security groups, Windows Firewall and the listener; a refusal
    anywhere but the listener is a silent drop, the listener's is a reset. Third-party security
    software filtering RDP drops silently before the listener is reached.
    """
    if instance_id not in region.cvm.instances:
        return Decision(Action.RESET, "no such instance")
    verdict = judge(region, instance_id, source_ip, port)
    text = (verdict.rule or {}).get("text", "")
    if not verdict.reachable and verdict.stopped_at != "guest.listener":
        return Decision(Action.SILENT, f"dropped at {verdict.stopped_at}: {text}".rstrip(": "))
    guest = region.cvm.instances[instance_id].guest
    blocking = [s for s in guest.security_software if s.get("BlocksRdp")]
    if blocking:
        return Decision(Action.SILENT, f"{blocking[0].get('Name')} filters inbound RDP")
    if not verdict.reachable:
        return Decision(Action.RESET, text or f"nothing listens on TCP/{port}")
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
