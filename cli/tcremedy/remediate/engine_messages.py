"""The engine's error diagnostics as one line per failed step, never a Python traceback.

A dynamic provider that raises is reported by ``pulumi.dynamic`` as the whole formatted
traceback (``traceback.format_exc()`` in its ``_abort_with_traceback``); the provider program's
own failures arrive as "Program failed with an unhandled exception" plus a traceback. The user
wants what failed, on which resource, and why (the API's code and message, which tcremedy's
``FixError`` already carries): ``create sg-rule-…: CreateSecurityGroupPolicies failed:
LimitExceeded: …``.
"""

from __future__ import annotations

import re

TRACEBACK_HEADER = "Traceback (most recent call last):"
# Engine lines that only say that something else failed.
NOISE = (
    "update failed",
    "preview failed",
    "Resource monitor has terminated",
    "one or more errors occurred",
)
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")
_QUIET_TYPES = ("FixError", "GuardrailViolation")  # their message says it all


def is_noise(text: str) -> bool:
    return any(marker in text for marker in NOISE)


def exception_text(text: str) -> str:
    """The exception at the end of a formatted traceback, as ``Type: message`` (tcremedy's own
    errors: the message alone); text without a traceback comes back as one line."""
    if TRACEBACK_HEADER not in text:
        return " ".join(text.split())
    tail = text.rsplit(TRACEBACK_HEADER, 1)[1]
    lines = tail.splitlines()
    start = None
    for i, line in enumerate(lines):  # the first unindented line after the frames
        if line and not line[0].isspace() and _EXCEPTION_LINE.match(line.strip()):
            start = i
    if start is None:
        return "the provider failed (no error message)"
    first = _EXCEPTION_LINE.match(lines[start].strip())
    assert first is not None
    exc_type = first.group("type").rsplit(".", 1)[-1]
    message = " ".join([first.group("message") or "", *(s.strip() for s in lines[start + 1 :])]).strip()
    if exc_type in _QUIET_TYPES and message:
        return message
    return f"{exc_type}: {message}" if message else exc_type


def step_line(op: str, name: str, text: str) -> str:
    """``<op> <resource>: <why>`` for a failed step (``op`` may be empty)."""
    why = exception_text(text)
    head = " ".join(p for p in (op, name) if p)
    return f"{head}: {why}" if head else why
