"""CrossGuard pack: the tcremedy policy applied to what a Pulumi program is about to deploy.

The tcremedy policy file comes from $TCREMEDY_POLICY, else ../windows-rdp.yaml beside this pack.
Every check lives in ``tcremedy.policy.guard``; this file only wires it into pulumi_policy.
"""

import os
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

from tcremedy.policy.guard import declared_violations
from tcremedy.policy.loader import load_policy

POLICY_FILE = os.environ.get("TCREMEDY_POLICY") or Path(__file__).parent.parent / "windows-rdp.yaml"
POLICY = load_policy(Path(POLICY_FILE))


def _validate(args, report_violation) -> None:
    for message in declared_violations(POLICY, args.resource_type, args.props):
        report_violation(message)


PolicyPack(
    name="tcremedy-rdp",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="rdp-within-policy",
            description=f"RDP ingress and instance settings follow the tcremedy policy `{POLICY.name}`.",
            validate=_validate,
        )
    ],
)
