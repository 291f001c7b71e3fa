"""`tcremedy shards`: the account x region matrix for a CI matrix or a Job list, and the documented
GitHub Actions workflow and Kubernetes CronJob that consume it (structure checked; actionlint runs
when installed — it is not installable here, and kubectl cannot validate without a cluster)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tcremedy.emulator.testing import RunningEmulator
from tcremedy.main import app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "examples"


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
    if shutil.which("actionlint"):
        subprocess.run(["actionlint", str(path)], check=True)


def test_the_kubernetes_cronjob_is_a_valid_batch_v1_cronjob() -> None:
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
