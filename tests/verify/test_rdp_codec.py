"""The negotiation codec against byte sequences written from MS-RDPBCGR 2.2.1.1 / 2.2.1.2."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tcremedy.verify import rdp
from tcremedy.verify.rdp import ClientNegotiation, Failure, LegacyConfirm, NeedData, NotRdp, Selected

# 2.2.1.1: TPKT (03 00, length 19) + X.224 CR (LI 14, E0, DST-REF 0, SRC-REF 0, class 0)
#          + RDP_NEG_REQ (01, flags 0, length 8, requestedProtocols SSL|HYBRID = 3)
REQUEST = bytes.fromhex("0300 0013 0e e0 0000 0000 00 01 00 0800 03000000")
# 2.2.1.2 + 2.2.1.2.1: CC (D0, SRC-REF 0x1234) + RDP_NEG_RSP selecting HYBRID (2), flags 0x1f
CONFIRM_CREDSSP = bytes.fromhex("0300 0013 0e d0 0000 1234 00 02 1f 0800 02000000")
CONFIRM_TLS = bytes.fromhex("0300 0013 0e d0 0000 1234 00 02 00 0800 01000000")
CONFIRM_RDP = bytes.fromhex("0300 0013 0e d0 0000 1234 00 02 00 0800 00000000")
# 2.2.1.2.2: RDP_NEG_FAILURE, HYBRID_REQUIRED_BY_SERVER (5)
FAILURE_HYBRID = bytes.fromhex("0300 0013 0e d0 0000 1234 00 03 00 0800 05000000")
# 2.2.1.2 without rdpNegData (LI 6): a server from before negotiation
LEGACY = bytes.fromhex("0300 000b 06 d0 0000 1234 00")


def answer(data: bytes, *, eof: bool = True) -> object:
    nego = ClientNegotiation()
    nego.receive_data(data)
    if eof:
        nego.receive_eof()
    return nego.next_event()


def test_request_bytes_are_the_spec_layout_and_carry_no_cookie() -> None:
    assert ClientNegotiation().request_bytes() == REQUEST
    assert b"Cookie" not in REQUEST and b"mstshash" not in REQUEST


def test_the_three_response_kinds() -> None:
    assert answer(CONFIRM_CREDSSP) == Selected(rdp.PROTOCOL_HYBRID, 0x1F)
    assert answer(CONFIRM_TLS) == Selected(rdp.PROTOCOL_SSL)
    assert answer(CONFIRM_RDP) == Selected(rdp.PROTOCOL_RDP)
    failure = answer(FAILURE_HYBRID)
    assert failure == Failure(rdp.HYBRID_REQUIRED_BY_SERVER) and failure.name == "HYBRID_REQUIRED_BY_SERVER"
    assert answer(LEGACY) == LegacyConfirm()


def test_server_side_encoders_produce_the_same_bytes() -> None:
    assert rdp.connection_confirm(Selected(rdp.PROTOCOL_HYBRID, 0x1F)) == CONFIRM_CREDSSP
    assert rdp.connection_confirm(Failure(rdp.HYBRID_REQUIRED_BY_SERVER)) == FAILURE_HYBRID
    assert rdp.connection_confirm(LegacyConfirm()) == LEGACY
    assert rdp.parse_request(REQUEST) == rdp.ConnectionRequest(3, 0)
    cookie = bytes.fromhex("0300 002c 27 e0 0000 0000 00") + b"Cookie: mstshash=eltons\r\n" + REQUEST[11:]
    assert rdp.parse_request(cookie) == rdp.ConnectionRequest(3, 0)


def test_partial_data_waits_and_byte_by_byte_arrival_gives_the_same_answer() -> None:
    nego = ClientNegotiation()
    for i in range(len(CONFIRM_TLS) - 1):
        nego.receive_data(CONFIRM_TLS[i : i + 1])
        assert nego.next_event() == NeedData()
    nego.receive_data(CONFIRM_TLS[-1:])
    assert nego.next_event() == Selected(rdp.PROTOCOL_SSL)


def test_truncated_and_garbage_answers_are_not_rdp() -> None:
    for cut in range(1, len(CONFIRM_CREDSSP)):
        assert isinstance(answer(CONFIRM_CREDSSP[:cut]), NotRdp), cut
    for junk in (
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
        CONFIRM_CREDSSP + b"\x00",  # trailing bytes
        CONFIRM_CREDSSP.replace(b"\xd0", b"\xe0", 1),  # a CR, not a CC
        bytes.fromhex("0300 0013 0e d0 0000 1234 00 07 00 0800 02000000"),  # unknown neg type
        bytes.fromhex("0300 0013 0e d0 0000 1234 00 02 00 0800 20000000"),  # undefined protocol
        bytes.fromhex("0300 0013 0d d0 0000 1234 00 02 00 0800 02000000"),  # LI disagrees with TPKT
        bytes.fromhex("0300 ffff"),  # absurd length
    ):
        assert isinstance(answer(junk), NotRdp), junk
    assert answer(b"SSH", eof=False) == NotRdp("first byte 0x53 is not TPKT version 3")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80), st.lists(st.integers(1, 16), max_size=10), st.booleans())
def test_any_bytes_in_any_chunks_never_raise(data: bytes, cuts: list[int], eof: bool) -> None:
    nego = ClientNegotiation()
    pos = 0
    for size in cuts:
        nego.receive_data(data[pos : pos + size])
        pos += size
        assert isinstance(nego.next_event(), NeedData | Selected | Failure | LegacyConfirm | NotRdp)
    nego.receive_data(data[pos:])
    if eof:
        nego.receive_eof()
        assert not isinstance(nego.next_event(), NeedData)
    assert isinstance(rdp.parse_request(data, eof=eof), NeedData | rdp.ConnectionRequest | NotRdp)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=19), st.integers(0, 18))
def test_mutated_confirms_never_raise(patch: bytes, at: int) -> None:
    mutated = (CONFIRM_CREDSSP[:at] + patch + CONFIRM_CREDSSP[at + len(patch) :])[:40]
    event = answer(mutated)
    assert isinstance(event, Selected | Failure | LegacyConfirm | NotRdp)
