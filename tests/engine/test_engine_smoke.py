"""The Pulumi engine built from Go modules really runs: CLI version, Automation API, plugins.

These tests run the real engine (no mocks): an inline Automation API program on a local file
backend with passphrase secrets, and a dynamic-provider resource, which makes the engine start
the ``pulumi-resource-pulumi-python`` plugin shipped in the sdk/v3 module.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pulumi
import pulumi.dynamic
import pytest
from pulumi import automation as auto

from tcremedy.remediate.engine import ENGINE_VERSION, locate_engine

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.engine


def test_engine_version_matches_the_pinned_build():
    build_script = (REPO / "engine" / "build.sh").read_text()
    assert f'PULUMI_VERSION="{ENGINE_VERSION}"' in build_script
    engine = locate_engine()
    out = subprocess.run([str(engine.pulumi), "version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ENGINE_VERSION


class _EchoProvider(pulumi.dynamic.ResourceProvider):
    """Side-effect free: the point is that the engine loads the dynamic-provider plugin."""

    def create(self, props):
        return pulumi.dynamic.CreateResult(id_=f"echo-{props['word']}", outs=dict(props))


class _Echo(pulumi.dynamic.Resource):
    word: pulumi.Output[str]

    def __init__(self, name: str, word: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(_EchoProvider(), name, {"word": word}, opts)


def _program() -> None:
    echo = _Echo("greeting", "hello")
    pulumi.export("word", echo.word)
    pulumi.export("token", pulumi.Output.secret("not-in-plain-text"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    engine = locate_engine()
    work = tmp_path_factory.mktemp("engine-smoke")
    env = engine.env(work / "pulumi-home")
    env.update({"PULUMI_BACKEND_URL": f"file://{work / 'state'}", "PULUMI_CONFIG_PASSPHRASE": "smoke-test"})
    # dill pickles _EchoProvider by reference: the plugin's python must import this module too.
    env["PYTHONPATH"] = str(Path(__file__).parent)
    (work / "state").mkdir()
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(work),
        env_vars=env,
        secrets_provider="passphrase",
        pulumi_command=auto.PulumiCommand(root=str(engine.root)),
    )
    return auto.create_or_select_stack("smoke", project_name="tcremedy-smoke", program=_program, opts=opts), work


def test_preview_then_up_then_up_again_changes_nothing(stack):
    st, work = stack
    preview = st.preview(color="never")
    assert preview.change_summary.get("create") == 2  # the stack + the dynamic resource

    first = st.up(color="never")
    assert first.summary.result == "succeeded"
    assert first.outputs["word"].value == "hello"
    assert first.outputs["token"].secret

    second = st.up(color="never")
    assert second.summary.resource_changes == {"same": 2}

    # passphrase secrets: the secret output is encrypted in the file backend's checkpoint
    checkpoints = list((work / "state").rglob("smoke.json"))
    assert checkpoints and "not-in-plain-text" not in checkpoints[0].read_text()


def test_dynamic_provider_plugin_was_loaded_from_the_engine_build(stack):
    st, _ = stack
    state = st.export_stack().deployment
    types = {r["type"] for r in state["resources"]}
    assert "pulumi-python:dynamic:Resource" in types
    providers = [r for r in state["resources"] if r["type"].startswith("pulumi:providers:pulumi-python")]
    assert providers, "the engine registered no pulumi-python provider"
