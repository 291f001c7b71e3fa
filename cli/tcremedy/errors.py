"""The one family of project errors. Only the CLI layer turns them into messages and exit codes."""

from __future__ import annotations


class TcremedyError(Exception):
    """A user-facing error: the message says what is wrong and what was expected."""

    exit_code = 1


class PolicyError(TcremedyError):
    """A policy file could not be loaded; the message names file, line, column and field."""


class CollectionError(TcremedyError):
    """Live state could not be read from the cloud (credentials, endpoint, API errors)."""


class PlanFileError(TcremedyError):
    """A plan file is unreadable, of another version, or stale against the live cloud."""


class GuardrailViolation(TcremedyError):
    """A remediation step would replace or delete something tcremedy must not touch."""


class EngineError(TcremedyError):
    """The Pulumi engine is missing or failed."""
