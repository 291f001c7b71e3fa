"""The RDP connection-initiation exchange, sans-io: bytes in, events out, no sockets.

Written from [MS-RDPBCGR] (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/):

* 2.2.1.1   Client X.224 Connection Request PDU = tpktHeader (4) + x224Crq (7) + routingToken/cookie
            (optional) + rdpNegReq (8, optional) + rdpCorrelationInfo (36, optional);
* 2.2.1.1.1 RDP Negotiation Request (RDP_NEG_REQ): type 0x01, flags, length 0x0008 (LE),
            requestedProtocols (LE u32);
* 2.2.1.2   Server X.224 Connection Confirm PDU = tpktHeader (4) + x224Ccf (7) + rdpNegData (8, optional;
            its length is counted in the X.224 Length Indicator);
* 2.2.1.2.1 RDP Negotiation Response (RDP_NEG_RSP): type 0x02, flags, length 0x0008, selectedProtocol;
* 2.2.1.2.2 RDP Negotiation Failure (RDP_NEG_FAILURE): type 0x03, flags 0, length 0x0008, failureCode;
* 3.3.5.3.1 the server checks the TPKT length against the data and drops a request shorter than
            11 bytes or not of class 0.

TPKT is RFC 1006 section 6 / [T123] section 8: version 3, reserved 0, a big-endian 16-bit length that
counts the 4-byte header. X.224 TPDU codes (ITU-T X.224 section 13.3 / 13.4): CR = 0xE0, CC = 0xD0,
the fixed part after the Length Indicator being code, DST-REF (2), SRC-REF (2), class/options (1).

The client never sends a cookie (``Cookie: mstshash=<user name>``, 2.2.1.1): no user name, no
credential, nothing but the protocols it can speak leaves the machine.

Client use (h11 style)::

    nego = ClientNegotiation()
    sock.sendall(nego.request_bytes())
    while isinstance(event := nego.next_event(), NeedData):
        data = sock.recv(4096)
        nego.receive_data(data) if data else nego.receive_eof()
    # event: Selected | Failure | LegacyConfirm | NotRdp

Whatever the peer sends, the parser returns ``NotRdp`` with a reason; it never raises.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# -- constants (section numbers of MS-RDPBCGR) ---------------------------------------------------
TPKT_VERSION = 3  # RFC 1006 section 6
TPKT_HEADER_LEN = 4
X224_CR = 0xE0  # Connection Request (X.224 13.3), CDT = 0
X224_CC = 0xD0  # Connection Confirm (X.224 13.4), CDT = 0
X224_FIXED_LEN = 6  # code, DST-REF, SRC-REF, class/options (after the 1-byte Length Indicator)
NEG_STRUCT_LEN = 8  # every RDP_NEG_* structure is 8 bytes (2.2.1.1.1, 2.2.1.2.1, 2.2.1.2.2)
MIN_PDU_LEN = TPKT_HEADER_LEN + 1 + X224_FIXED_LEN  # 11 bytes (3.3.5.3.1)
MAX_PDU_LEN = 512  # a confirm is 11 or 19 bytes; anything this long is not an answer to us

TYPE_RDP_NEG_REQ = 0x01  # 2.2.1.1.1
TYPE_RDP_NEG_RSP = 0x02  # 2.2.1.2.1
TYPE_RDP_NEG_FAILURE = 0x03  # 2.2.1.2.2

# requestedProtocols / selectedProtocol identifiers (2.2.1.1.1, 2.2.1.2.1)
PROTOCOL_RDP = 0x00000000  # Standard RDP Security (5.3)
PROTOCOL_SSL = 0x00000001  # TLS 1.0/1.1/1.2 (5.4.5.1)
PROTOCOL_HYBRID = 0x00000002  # CredSSP (5.4.5.2), i.e. Network Level Authentication
PROTOCOL_RDSTLS = 0x00000004  # RDSTLS (5.4.5.3)
PROTOCOL_HYBRID_EX = 0x00000008  # CredSSP with Early User Authorization Result PDU (5.4.5.2)
PROTOCOL_RDSAAD = 0x00000010  # RDS AAD Auth (5.4.5.4)
PROTOCOL_NAMES: dict[int, str] = {
    PROTOCOL_RDP: "rdp",
    PROTOCOL_SSL: "tls",
    PROTOCOL_HYBRID: "credssp",
    PROTOCOL_RDSTLS: "rdstls",
    PROTOCOL_HYBRID_EX: "credssp",
    PROTOCOL_RDSAAD: "rdsaad",
}

# failureCode values (2.2.1.2.2)
SSL_REQUIRED_BY_SERVER = 0x00000001
SSL_NOT_ALLOWED_BY_SERVER = 0x00000002
SSL_CERT_NOT_ON_SERVER = 0x00000003
INCONSISTENT_FLAGS = 0x00000004
HYBRID_REQUIRED_BY_SERVER = 0x00000005
SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER = 0x00000006
FAILURE_NAMES: dict[int, str] = {
    SSL_REQUIRED_BY_SERVER: "SSL_REQUIRED_BY_SERVER",
    SSL_NOT_ALLOWED_BY_SERVER: "SSL_NOT_ALLOWED_BY_SERVER",
    SSL_CERT_NOT_ON_SERVER: "SSL_CERT_NOT_ON_SERVER",
    INCONSISTENT_FLAGS: "INCONSISTENT_FLAGS",
    HYBRID_REQUIRED_BY_SERVER: "HYBRID_REQUIRED_BY_SERVER",
    SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER: "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
}
# What a failure says the server would speak (2.2.1.2.2's descriptions of each code).
FAILURE_PROTOCOL: dict[int, str] = {
    SSL_REQUIRED_BY_SERVER: "tls",
    SSL_NOT_ALLOWED_BY_SERVER: "rdp",
    SSL_CERT_NOT_ON_SERVER: "rdp",
    HYBRID_REQUIRED_BY_SERVER: "credssp",
    SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER: "tls",
}

DEFAULT_REQUESTED = PROTOCOL_SSL | PROTOCOL_HYBRID  # what mstsc offers besides HYBRID_EX


# -- events ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NeedData:
    """The PDU is not complete yet: feed more bytes (or EOF)."""


@dataclass(frozen=True)
class Selected:
    """An RDP Negotiation Response (2.2.1.2.1): the server picked ``protocol``."""

    protocol: int
    flags: int = 0

    @property
    def name(self) -> str:
        return PROTOCOL_NAMES[self.protocol]


@dataclass(frozen=True)
class Failure:
    """An RDP Negotiation Failure (2.2.1.2.2): the server is RDP but refused our protocol list."""

    code: int

    @property
    def name(self) -> str:
        return FAILURE_NAMES.get(self.code, f"0x{self.code:08x}")


@dataclass(frozen=True)
class LegacyConfirm:
    """A Connection Confirm without rdpNegData: a pre-negotiation server, Standard RDP Security."""


@dataclass(frozen=True)
class NotRdp:
    """The bytes are not an X.224 Connection Confirm as MS-RDPBCGR specifies; ``reason`` says why."""

    reason: str


@dataclass(frozen=True)
class ConnectionRequest:
    """A client's X.224 Connection Request (2.2.1.1), as the server side reads it."""

    requested_protocols: int | None  # None: no rdpNegReq (a pre-negotiation client)
    flags: int = 0


ClientEvent = NeedData | Selected | Failure | LegacyConfirm | NotRdp
ServerEvent = NeedData | ConnectionRequest | NotRdp


# -- encoding ------------------------------------------------------------------------------------
def _tpkt(payload: bytes) -> bytes:
    return struct.pack(">BBH", TPKT_VERSION, 0, TPKT_HEADER_LEN + len(payload)) + payload


def _x224(code: int, src_ref: int, variable: bytes) -> bytes:
    fixed = struct.pack(">BHHB", code, 0, src_ref, 0)  # DST-REF 0, class 0 / options 0
    return bytes([len(fixed) + len(variable)]) + fixed + variable


def _neg(kind: int, flags: int, value: int) -> bytes:
    return struct.pack("<BBHI", kind, flags, NEG_STRUCT_LEN, value)


def connection_request(requested_protocols: int = DEFAULT_REQUESTED, flags: int = 0) -> bytes:
    """Client X.224 Connection Request with an RDP Negotiation Request and no cookie (2.2.1.1)."""
    return _tpkt(_x224(X224_CR, 0, _neg(TYPE_RDP_NEG_REQ, flags, requested_protocols)))


def connection_confirm(answer: Selected | Failure | LegacyConfirm) -> bytes:
    """Server X.224 Connection Confirm (2.2.1.2); SRC-REF 0x1234 as 3.3.5.3.2 initialises it."""
    if isinstance(answer, Selected):
        variable = _neg(TYPE_RDP_NEG_RSP, answer.flags, answer.protocol)
    elif isinstance(answer, Failure):
        variable = _neg(TYPE_RDP_NEG_FAILURE, 0, answer.code)
    else:
        variable = b""
    return _tpkt(_x224(X224_CC, 0x1234, variable))


# -- decoding ------------------------------------------------------------------------------------
def _frame(buf: bytes, eof: bool) -> bytes | NeedData | NotRdp:
    """One complete TPKT packet's payload from the front of ``buf``."""
    if buf[:1] and buf[0] != TPKT_VERSION:
        return NotRdp(f"first byte 0x{buf[0]:02x} is not TPKT version 3")
    if len(buf) >= 2 and buf[1] != 0:
        return NotRdp("TPKT reserved byte is not 0")
    if len(buf) < TPKT_HEADER_LEN:
        return NotRdp(f"connection closed after {len(buf)} byte(s) of a TPKT header") if eof else NeedData()
    (length,) = struct.unpack_from(">H", buf, 2)
    if not MIN_PDU_LEN <= length <= MAX_PDU_LEN:
        return NotRdp(f"TPKT length {length} outside [{MIN_PDU_LEN}, {MAX_PDU_LEN}]")
    if len(buf) < length:
        return NotRdp(f"connection closed after {len(buf)} of {length} bytes") if eof else NeedData()
    if len(buf) > length:
        return NotRdp(f"{len(buf) - length} unexpected byte(s) after the TPKT packet")
    return buf[TPKT_HEADER_LEN:length]


def _x224_variable(payload: bytes, code: int, what: str) -> bytes | NotRdp:
    """The variable part of an X.224 TPDU of ``code``, after checking LI against the TPKT length."""
    li = payload[0]
    if li != len(payload) - 1:
        return NotRdp(f"X.224 length indicator {li} does not match the TPKT length ({len(payload) - 1})")
    if li < X224_FIXED_LEN:
        return NotRdp(f"X.224 length indicator {li} is shorter than the fixed part")
    if payload[1] & 0xF0 != code:
        return NotRdp(f"X.224 TPDU code 0x{payload[1]:02x} is not a {what}")
    if payload[6] & 0xF0:  # class in the high nibble (X.224 13.3.3); RDP uses class 0 (3.3.5.3.1)
        return NotRdp(f"X.224 class {payload[6] >> 4} is not class 0")
    return payload[1 + X224_FIXED_LEN :]


def parse_confirm(buf: bytes, *, eof: bool = False) -> ClientEvent:
    """Read a Server X.224 Connection Confirm (2.2.1.2) from everything received so far."""
    payload = _frame(buf, eof)
    if not isinstance(payload, bytes):
        return payload
    variable = _x224_variable(payload, X224_CC, "Connection Confirm")
    if not isinstance(variable, bytes):
        return variable
    if not variable:
        return LegacyConfirm()
    if len(variable) != NEG_STRUCT_LEN:
        return NotRdp(f"rdpNegData is {len(variable)} bytes, expected {NEG_STRUCT_LEN}")
    kind, flags, length, value = struct.unpack("<BBHI", variable)
    if length != NEG_STRUCT_LEN:
        return NotRdp(f"rdpNegData length field is {length}, expected {NEG_STRUCT_LEN}")
    if kind == TYPE_RDP_NEG_RSP:
        if value not in PROTOCOL_NAMES:
            return NotRdp(f"selectedProtocol 0x{value:08x} is not a defined protocol")
        return Selected(value, flags)
    if kind == TYPE_RDP_NEG_FAILURE:
        return Failure(value)
    return NotRdp(f"rdpNegData type 0x{kind:02x} is neither RDP_NEG_RSP nor RDP_NEG_FAILURE")


def parse_request(buf: bytes, *, eof: bool = False) -> ServerEvent:
    """Read a Client X.224 Connection Request (2.2.1.1); routingToken/cookie and correlation are skipped."""
    payload = _frame(buf, eof)
    if not isinstance(payload, bytes):
        return payload
    variable = _x224_variable(payload, X224_CR, "Connection Request")
    if not isinstance(variable, bytes):
        return variable
    if variable.startswith(b"Cookie:") or variable[:1] not in (b"", bytes([TYPE_RDP_NEG_REQ])):
        end = variable.find(b"\r\n")  # routingToken / cookie end with 0x0D0A (2.2.1.1)
        if end < 0:
            return NotRdp("routingToken/cookie is not terminated by CR LF")
        variable = variable[end + 2 :]
    if len(variable) < NEG_STRUCT_LEN:
        return ConnectionRequest(None) if not variable else NotRdp("truncated rdpNegReq")
    kind, flags, length, protocols = struct.unpack_from("<BBHI", variable)
    if kind != TYPE_RDP_NEG_REQ or length != NEG_STRUCT_LEN:
        return NotRdp("rdpNegReq has a wrong type or length")
    return ConnectionRequest(protocols, flags)


class ClientNegotiation:
    """The client's side of connection initiation: one request out, one confirm in."""

    def __init__(self, requested_protocols: int = DEFAULT_REQUESTED) -> None:
        self.requested_protocols = requested_protocols
        self._buf = b""
        self._eof = False

    def request_bytes(self) -> bytes:
        return connection_request(self.requested_protocols)

    def receive_data(self, data: bytes) -> None:
        if len(self._buf) <= MAX_PDU_LEN:  # keep memory bounded whatever the peer sends
            self._buf += data[: MAX_PDU_LEN + 1 - len(self._buf)]

    def receive_eof(self) -> None:
        self._eof = True

    def next_event(self) -> ClientEvent:
        return parse_confirm(self._buf, eof=self._eof)
