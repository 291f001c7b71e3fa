"""Entry point for a plain `pulumi up` (Pulumi.yaml at the repository top points here).

`tcremedy apply` is the supported way in: it previews, applies guardrails and verifies. This entry
declares the automatic fixes of a plan file (``pulumi config set tcremedy:planFile plan.json``),
through the pulumi-tencentcloud resources unless ``tcremedy:path`` is ``sdk-dynamic``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pulumi

# The language host puts this directory on sys.path; the package `remediation` lives one level up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from remediation.program import build_program
from tcremedy.planfile import read_planfile
from tcremedy.remediate.planner import FixResource
from tcremedy.serde import from_data

config = pulumi.Config("tcremedy")
plan = read_planfile(config.require("planFile"))
resources = {
    f.resource["key"]: from_data(FixResource, f.resource)
    for f in plan.fixes
    if f.auto and f.resource is not None
}
if config.get("path") == "sdk-dynamic":
    from remediation.dynamic_backend import SdkDynamicBackend

    backend = SdkDynamicBackend()
else:
    raise SystemExit(
        "the pulumi-tencentcloud path adopts instances from live state: run `tcremedy apply`, "
        "or set tcremedy:path to sdk-dynamic"
    )
build_program(tuple(resources.values()), backend)()
