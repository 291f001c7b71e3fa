"""The policy's values: the names and sizes a policy may use, strict scalar types, and the checks
behind its checked strings (CIDRs, fix names, dates, finding codes...). ``model.py`` builds the
sections from these; the loader reads ``describe`` and ``is_public_cidr``.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, Field, PlainValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

# Fix names: a contract with the remediation registry (tcremedy.remediate).
FIX_NAMES: tuple[str, ...] = (
    "sg_allow_rdp",
    "acl_allow_rdp",
    "raise_bandwidth",
    "start_instance",
    "reboot_instance",
    "reset_password",
    "guest_enable_rdp",
    "guest_start_termservice",
    "guest_align_rdp_port",
    "guest_allow_rdp_firewall",
    "guest_credssp_mitigated",
    "guest_set_nla",
)
# Fixes that change nothing a user would call disruptive run automatically unless the policy
# lists its own set; rebooting and resetting the password happen only when listed.
OPT_IN_FIXES: frozenset[str] = frozenset({"reboot_instance", "reset_password"})
DEFAULT_AUTO_FIXES: tuple[str, ...] = tuple(f for f in FIX_NAMES if f not in OPT_IN_FIXES)

OS_CHOICES: tuple[str, ...] = ("windows", "any")

# Size limits (stated in policies/README.md; the loader enforces the file-level ones).
MAX_ADMIN_CIDRS = 100  # each may become one security-group rule; diagnosis is linear in rules x CIDRs
MAX_LIST_ITEMS = 1000  # instance ids, names, regions
MAX_TAGS = 50  # Tencent Cloud allows 50 tags per resource
MAX_TEXT = 255  # any single string (tag values are at most 255 characters on Tencent Cloud)


def is_public_cidr(cidr: str) -> bool:
    """The whole internet: 0.0.0.0/0, ::/0, and 0.0.0.0/n (which Tencent security groups widen to /0).

    The one definition used by the loader, the planner, the providers and the CrossGuard checks.
    """
    net = ipaddress.ip_network(cidr, strict=False)
    return net.prefixlen == 0 or (net.version == 4 and int(net.network_address) == 0)


def invalid(problem: str, expected: str) -> PydanticCustomError:
    """A validation error the loader prints as ``<field>: <problem>; expected <expected>``."""
    return PydanticCustomError("policy", "{problem}", {"problem": problem, "expected": expected})


def _cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise invalid(
            f"{value!r} is not a CIDR ({exc})", "an IPv4/IPv6 network like 203.0.113.0/24"
        ) from None
    return str(net)


def _fix(value: str) -> str:
    if value not in FIX_NAMES:
        hint = difflib.get_close_matches(value, FIX_NAMES, n=1, cutoff=0.6)
        raise invalid(
            f"unknown fix {value!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
            "one of " + ", ".join(FIX_NAMES),
        )
    return value


def _oracle(value: Any) -> int | None:
    if value not in (0, 1, 2, None) or isinstance(value, bool):
        raise invalid(f"got {describe(value)}", "0, 1, 2 or null (absent)")
    return value


def _matching(pattern: str, problem: str, expected: str) -> Callable[[str], str]:
    """A check that the whole value matches ``pattern`` (``problem`` may show it as ``{value!r}``)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise invalid(problem.format(value=value), expected)
        return value

    return check


ENV_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
POLICY_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}"
_env_name = _matching(
    ENV_NAME_PATTERN, "{value!r} is not an environment variable name", "a name like TC_PASSWORD"
)
_policy_name = _matching(
    POLICY_NAME_PATTERN, "invalid name {value!r}", "letters, digits, '.', '_' or '-' (at most 63)"
)


def _glob(value: str) -> str:
    if not value:
        raise invalid("empty pattern", "a glob such as web-*")
    return value


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise invalid(f"{value!r} is not a date", "an ISO date such as 2026-12-31") from None


def _code(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", value):
        raise invalid(f"{value!r} is not a finding code", "a code such as SG_BLOCKS_RDP (see the README)")
    return value


def _reason(value: str) -> str:
    if not value.strip():
        raise invalid("empty reason", "why the exception is accepted, e.g. a ticket")
    return value


def describe(value: Any) -> str:
    """A value as error messages show it: ``string 'rdp'``, ``boolean True``, ``nothing (null)``."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, (dict, list, tuple)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return f"{type(value).__name__} {value!r}".replace("bool ", "boolean ").replace("str ", "string ")


# Value types: strict scalars (YAML `"3389"` is not a port, `true` is not a number).
Text = Annotated[str, Strict(), Field(max_length=MAX_TEXT)]
Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]  # finite: the config refuses .nan and .inf
Bool = Annotated[bool, Strict()]
# Validated like pydantic's IPvAnyNetwork (host bits must be clear) and kept as its canonical text.
Cidr = Annotated[
    str,
    Strict(),
    AfterValidator(_cidr),
    WithJsonSchema({"type": "string", "format": "ipvanynetwork", "examples": ["203.0.113.0/24"]}),
]
FixName = Annotated[
    str, Strict(), AfterValidator(_fix), WithJsonSchema({"type": "string", "enum": list(FIX_NAMES)})
]
Oracle = Annotated[int | None, PlainValidator(_oracle), WithJsonSchema({"enum": [0, 1, 2, None]})]
EnvName = Annotated[
    str,
    Strict(),
    AfterValidator(_env_name),
    WithJsonSchema({"type": "string", "pattern": f"^{ENV_NAME_PATTERN}$"}),
]
Glob = Annotated[
    Text, AfterValidator(_glob), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_TEXT})
]
PolicyName = Annotated[
    str,
    Strict(),
    AfterValidator(_policy_name),
    WithJsonSchema({"type": "string", "pattern": f"^{POLICY_NAME_PATTERN}$"}),
]

IsoDate = Annotated[
    str, Strict(), AfterValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})
]
FindingCode = Annotated[
    str, Strict(), AfterValidator(_code), WithJsonSchema({"type": "string", "pattern": r"^[A-Z][A-Z0-9_]*$"})
]
Reason = Annotated[Text, AfterValidator(_reason)]
