"""Reading an HTTP/1.x request head (request line + header fields, RFC 9112) for the local cloud.

``http.server`` reads header fields through ``email.parser`` (a feed parser built for mail), which
cost the local cloud more per request than verifying its TC3 signature; the local cloud runs on the
same cores as the client it serves, so that time was the client's. This reads the head with plain
line splitting and keeps the limits ``http.server`` has (65,536 bytes a line, 100 fields), answering
anything malformed with an error rather than guessing (RFC 9112 5.2: an obsolete line folding or a
field line without a colon is rejected with 400).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import IO

MAX_LINE = 65536  # bytes in the request line or a field line (http.server's limit)
MAX_FIELDS = 100  # header fields per request (http.client's limit)


class BadHead(Exception):
    """The head cannot be read: answer ``status`` with ``message`` and close the connection."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Fields(dict[str, str]):
    """Header fields by lower-case name (a repeated field keeps its first value, as ``email`` did)."""

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(name.lower(), default)


def parse_request_line(line: bytes) -> tuple[str, str, tuple[int, int]]:
    """``POST / HTTP/1.1`` -> (method, target, (major, minor)); a two-word line is an HTTP/0.9 GET."""
    words = str(line, "iso-8859-1").rstrip("\r\n").split()
    if len(words) == 2:
        if words[0] != "GET":  # HTTP/0.9 knows no other method
            raise BadHead(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({words[0][:40]!r})")
        return words[0], words[1], (0, 9)
    if len(words) != 3:
        raise BadHead(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({line[:80]!r})")
    method, target, version = words
    major, dot, minor = version.removeprefix("HTTP/").partition(".")
    if (
        not version.startswith("HTTP/")
        or not dot
        or not (major.isdigit() and minor.isdigit())
        or len(major) > 10
        or len(minor) > 10
    ):
        raise BadHead(HTTPStatus.BAD_REQUEST, f"Bad request version ({version[:40]!r})")
    number = (int(major), int(minor))
    if number >= (2, 0):
        raise BadHead(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version[:40]})")
    return method, target, number


def read_fields(rfile: IO[bytes]) -> Fields:
    """The header fields up to the empty line that ends the head."""
    fields = Fields()
    for _ in range(MAX_FIELDS + 1):
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise BadHead(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
        if line in (b"\r\n", b"\n", b""):
            return fields
        if line[:1] in (b" ", b"\t"):
            raise BadHead(HTTPStatus.BAD_REQUEST, "Obsolete line folding in a header field")
        name, colon, value = str(line, "iso-8859-1").partition(":")
        if not colon or not name or name != name.strip():
            raise BadHead(HTTPStatus.BAD_REQUEST, f"Bad header field line ({line[:80]!r})")
        fields.setdefault(name.lower(), value.strip())
    raise BadHead(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"Too many headers (more than {MAX_FIELDS})")
