"""`tcremedy shards`: the account x region matrix for a CI matrix or a Job list, and the documented
GitHub Actions workflow and Kubernetes CronJob that consume it: the workflow is checked by actionlint
(built from Go modules by `make tools`, scripts/build_tools.sh), the CronJob against the Kubernetes
batch/v1 schema (kubernetes-validate, from PyPI, with the schemas it ships: no cluster needed)."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "examples"
KUBERNETES = "1.37.0"  # the newest version kubernetes-validate ships schemas for


def actionlint() -> str | None:
    """The actionlint `make tools` built (scripts/build_tools.sh), else one on PATH."""
    built = subprocess.run(
        ["bash", str(REPO / "scripts" / "build_tools.sh"), "--print-dir"], capture_output=True, text=True
    ).stdout.strip()
    path = Path(built) / "actionlint"
    return str(path) if os.access(path, os.X_OK) else shutil.which("actionlint")


def shards(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["shards", *args])
    return result.exit_code, result.output


def test_one_entry_per_account_and_region() -> None:
    code, out = shards("--region", "ap-guangzhou", "--region", "ap-shanghai", "--profile", "prod")
    assert code == 0
    assert json.loads(out) == {
        "include": [
            {
                "account": "prod",
                "region": r,
                "name": f"prod-{r}",
                "args": ["--region", r, "--profile", "prod"],
            }
            for r in ("ap-guangzhou", "ap-shanghai")
        ]
    }
    code, out = shards("--all-regions", "--region", "ap-guangzhou")
    assert code == 1 and "exclude each other" in out


@pytest.mark.emulator(scenario="fleet", fleet_size=2, regions=("ap-shanghai",))
def test_all_regions_come_from_describe_regions(emulator: RunningEmulator) -> None:
    code, out = shards("--all-regions", "--endpoint", emulator.endpoint)
    assert code == 0, out
    entries = json.loads(out)["include"]
    assert [(e["account"], e["region"]) for e in entries] == [
        ("default", "ap-guangzhou"),
        ("default", "ap-shanghai"),
    ]
    assert entries[0]["args"] == ["--region", "ap-guangzhou"]


def test_the_github_actions_workflow_runs_one_job_per_shard() -> None:
    path = DOCS / "github-actions-shards.yml"
    doc = yaml.safe_load(path.read_text())
    jobs = doc["jobs"]
    assert True in doc or "on" in doc  # YAML 1.1 reads the `on:` key as True
    assert "tcremedy shards" in " ".join(s.get("run", "") for s in jobs["shards"]["steps"])
    assert jobs["shards"]["outputs"]["matrix"] == "${{ steps.shards.outputs.matrix }}"
    assert jobs["check"]["needs"] == "shards"
    assert jobs["check"]["strategy"]["matrix"] == "${{ fromJSON(needs.shards.outputs.matrix) }}"
    for job in jobs.values():
        assert all(("uses" in step) != ("run" in step) for step in job["steps"])


def test_actionlint_passes_the_github_actions_workflow(tmp_path: Path) -> None:
    tool = actionlint()
    if tool is None:
        pytest.skip("actionlint is not built: `make tools` (scripts/build_tools.sh) failed, see its log")
    path = DOCS / "github-actions-shards.yml"
    run = subprocess.run([tool, "-no-color", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    broken = tmp_path / "broken.yml"  # the check is real: a misspelt key is an error
    broken.write_text(path.read_text().replace("runs-on:", "runs_on:", 1))
    run = subprocess.run([tool, "-no-color", str(broken)], capture_output=True, text=True)
    assert run.returncode == 1 and "runs_on" in run.stdout


def test_the_kubernetes_cronjob_validates_against_the_batch_v1_schema() -> None:
    import kubernetes_validate

    doc = yaml.safe_load((DOCS / "k8s-cronjob.yaml").read_text())
    kubernetes_validate.validate(doc, KUBERNETES, strict=True)  # strict: no unknown keys
    pod = copy.deepcopy(doc)
    pod["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartpolicy"] = "Never"
    with pytest.raises(kubernetes_validate.ValidationError, match="restartpolicy"):
        kubernetes_validate.validate(pod, KUBERNETES, strict=True)


def test_the_kubernetes_cronjob_runs_a_shard() -> None:
    doc = yaml.safe_load((DOCS / "k8s-cronjob.yaml").read_text())
    assert (doc["apiVersion"], doc["kind"]) == ("batch/v1", "CronJob")
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"])
    spec = doc["spec"]
    assert len(spec["schedule"].split()) == 5 and spec["concurrencyPolicy"] in ("Allow", "Forbid", "Replace")
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    (container,) = pod["containers"]
    assert container["name"] and container["image"]
    assert container["args"][0] in ("apply", "check") and "--region" in container["args"]
