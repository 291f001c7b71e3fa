"""Real-engine stacks for tests: inline Automation API programs on a file backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pulumi.dynamic
import pytest
from pulumi import automation as auto

from tcremedy.remediate.engine import locate_engine


class RecordingProvider(pulumi.dynamic.ResourceProvider):
    """Side-effect free: creates nothing, echoes its inputs. Importable by the plugin's python."""

    def create(self, props):
        return pulumi.dynamic.CreateResult(id_=f"rec-{abs(hash(tuple(sorted(props))))}", outs=dict(props))


class Recorded(pulumi.dynamic.Resource):
    def __init__(self, name: str, props: dict, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(RecordingProvider(), name, props, opts)


@pytest.fixture
def engine_stack(tmp_path: Path) -> Callable[..., auto.Stack]:
    """Build a stack for ``program`` on a fresh file backend with passphrase secrets."""

    def make(name: str, program: Callable[[], None], **env: str) -> auto.Stack:
        engine = locate_engine()
        (tmp_path / "state").mkdir(exist_ok=True)
        env_vars = engine.env(tmp_path / "pulumi-home")
        env_vars["PULUMI_BACKEND_URL"] = f"file://{tmp_path / 'state'}"
        env_vars["PULUMI_CONFIG_PASSPHRASE"] = "engine-test"
        # dill pickles providers by reference: the plugin's python must import this package too.
        env_vars["PYTHONPATH"] = str(Path(__file__).parent)
        env_vars.update(env)
        opts = auto.LocalWorkspaceOptions(
            work_dir=str(tmp_path), env_vars=env_vars, secrets_provider="passphrase",
            pulumi_command=auto.PulumiCommand(root=str(engine.root)),
        )
        return auto.create_or_select_stack(name, project_name=f"tcremedy-{name}", program=program, opts=opts)

    return make
