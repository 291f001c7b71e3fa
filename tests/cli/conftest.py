"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

CREDENTIAL_VARIABLES = (
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TCCLI_PROFILE",
    "TCREMEDY_ENDPOINT",
)


@pytest.fixture
def no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials or endpoint from the environment, and an empty HOME (no ~/.tencentcloud, ~/.tccli).

    Not autouse: the engine tests need the real HOME (the Pulumi plugins live there).
    """
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
