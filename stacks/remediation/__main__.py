"""Entry point for a plain `pulumi up` (Pulumi.yaml at the repository top points here).

`tcremedy apply` is the supported way in: it previews, applies guardrails and verifies. This entry
declares the automatic fixes of a plan file (``pulumi config set tcremedy:planFile plan.json``),
through the pulumi-tencentcloud resources unless ``tcremedy:path`` is ``sdk-dynamic``.

What the plan's steps may do is re-checked against the policy file on disk, as ``tcremedy apply``
does (missing or changed policy: refused). The SDK providers check their inputs again against the
limits in ``TCREMEDY_LIMITS`` (set by ``tcremedy apply``), and refuse to run without them.
"""

from __future__ import annotations

import pulumi

from tcremedy.errors import TcremedyError
from tcremedy.remediate.limits import Limits
from tcremedy.remediate.plan_check import applied_steps, check_shape, policy_for_plan
from tcremedy.remediate.planfile import read_planfile
from tcremedy.remediate.planner import FixResource
from tcremedy.remediate.program.declare import build_program
from tcremedy.serde import from_data

config = pulumi.Config("tcremedy")
try:
    plan = read_planfile(config.require("planFile"))
    policy, _, _ = policy_for_plan(plan, config.require("planFile"))
    check_shape(plan, policy, config.require("planFile"))
except TcremedyError as exc:
    raise SystemExit(str(exc)) from None
resources = {f.resource["key"]: from_data(FixResource, f.resource) for _, f in applied_steps(plan)}
if config.get("path") == "sdk-dynamic":
    from tcremedy.remediate.program.dynamic_backend import SdkDynamicBackend

    backend = SdkDynamicBackend()
else:
    raise SystemExit(
        "the pulumi-tencentcloud path adopts instances from live state: run `tcremedy apply`, "
        "or set tcremedy:path to sdk-dynamic"
    )
build_program(tuple(resources.values()), backend, Limits.from_policy(policy))()
