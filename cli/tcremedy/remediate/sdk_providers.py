"""Pulumi dynamic providers that repair through tencentcloud-sdk-python (the fallback path).

Used when the ``pulumi-resource-tencentcloud`` plugin is not available (see ``paths.py``). The
engine runs these in its own python (``python -m pulumi.dynamic``), unpickling the provider
objects by reference: they must stay importable from the installed package and hold no state.
This module is the one name the remediation program uses; the providers live in:

* ``sdk_rules``: the security-group ingress rule (idempotent insert, adoption, owned-only delete);
* ``sdk_acls``: a network ACL entry, inserted on top of its direction (same guarantees);
* ``sdk_instances``: bandwidth, running, reboot, password reset;
* ``sdk_guest``: guest fix scripts through the TAT agent;
* ``sdk_common``: client from the engine's environment, waiting, the diff rule.
"""

from __future__ import annotations

from tcremedy.remediate.sdk_acls import AclRdpEntryProvider
from tcremedy.remediate.sdk_common import HOLD, FixError
from tcremedy.remediate.sdk_guest import GuestFixProvider
from tcremedy.remediate.sdk_instances import (
    InstanceBandwidthProvider,
    InstancePasswordProvider,
    InstanceRebootProvider,
    InstanceRunningProvider,
)
from tcremedy.remediate.sdk_rules import OWNED_DESCRIPTION_PREFIX, SecurityGroupIngressRuleProvider

__all__ = [
    "HOLD",
    "OWNED_DESCRIPTION_PREFIX",
    "AclRdpEntryProvider",
    "FixError",
    "GuestFixProvider",
    "InstanceBandwidthProvider",
    "InstancePasswordProvider",
    "InstanceRebootProvider",
    "InstanceRunningProvider",
    "SecurityGroupIngressRuleProvider",
]
