"""Tencent's instance password complexity rules (tencent-api.md 2.6)."""

from __future__ import annotations

from tcremedy.emulator.core.errors import InvalidParameterValue

WINDOWS_SPECIALS = set("()`~!@#$%^&*-+=_|{}[]:;'<>,.?/")


def check_password(password: str, user: str, windows: bool) -> None:
    """Raise ``InvalidParameterValue.InvalidPassword`` unless ``password`` meets the rules."""
    low, high = (12, 30) if windows else (8, 30)
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in WINDOWS_SPECIALS for c in password),
        )
    )
    bad = (
        not low <= len(password) <= high
        or password.startswith("/")
        or classes < 3
        or (windows and user and user.lower() in password.lower())
    )
    if bad:
        rule = (
            f"{low}-{high} characters, not starting with '/', at least three of lower case, upper case, "
            "digits and special characters" + (", not containing the user name" if windows else "")
        )
        raise InvalidParameterValue(
            f"Invalid password. The specified password does not meet the complexity requirements: {rule}.",
            code="InvalidParameterValue.InvalidPassword",
        )
