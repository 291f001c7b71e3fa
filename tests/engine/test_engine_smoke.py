"""The Pulumi engine built from Go modules really runs: CLI version, Automation API, plugins.

These tests run the real engine (no mocks): an inline Automation API program on a local file
backend with passphrase secrets, and a dynamic-provider resource, which makes the engine start
the ``pulumi-resource-pulumi-python`` plugin installed from the sdk/v3 module.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pulumi
import pytest

from conftest import Recorded
from tcremedy.remediate.engine import ENGINE_VERSION, locate_engine

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.engine


def test_engine_version_matches_the_pinned_build():
    build_script = (REPO / "engine" / "build.sh").read_text()
    assert f'PULUMI_VERSION="{ENGINE_VERSION}"' in build_script
    engine = locate_engine()
    out = subprocess.run([str(engine.pulumi), "version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ENGINE_VERSION


def _program() -> None:
    echo = Recorded("greeting", {"word": "hello"})
    pulumi.export("word", echo.word)  # type: ignore[attr-defined]
    pulumi.export("token", pulumi.Output.secret("not-in-plain-text"))


def test_preview_up_and_a_second_up_that_changes_nothing(engine_stack, tmp_path):
    stack = engine_stack("smoke", _program)
    preview = stack.preview(color="never")
    assert preview.change_summary.get("create") == 2  # the stack + the dynamic resource

    first = stack.up(color="never")
    assert first.summary.result == "succeeded"
    assert first.outputs["word"].value == "hello"
    assert first.outputs["token"].secret

    second = stack.up(color="never")
    assert second.summary.resource_changes == {"same": 2}

    # the dynamic-provider plugin from the engine build ran, and registered its provider
    types = {r["type"] for r in stack.export_stack().deployment["resources"]}
    assert {"pulumi-python:dynamic:Resource", "pulumi:providers:pulumi-python"} <= types

    # passphrase secrets: the secret output is encrypted in the file backend's checkpoint
    checkpoint = next((tmp_path / "state").rglob("smoke.json")).read_text()
    assert "not-in-plain-text" not in checkpoint
