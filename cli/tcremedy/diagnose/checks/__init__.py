"""The checks: one small class per finding code, in one name -> class registry (``CHECKS``).

Each check answers one question about one instance against the policy and returns the
findings (empty = the condition holds). A check that cannot be made (missing data, a collection
gap, an unresolvable rule) returns an UNKNOWN finding with ``evidence["reason"]``, never a
silent pass. ``fix`` names the remediation that would close a FAIL, whether or not the policy
lets it run automatically (the planner decides); manual causes have ``fix = None``.

Modules by area: ``instance`` (isolation, run state, data gaps), ``network`` (public IP, security
groups, ACL), ``capacity`` (bandwidth, CPU, memory), ``guest`` (the probe's facts), ``password``.
Importing this package registers them all.
"""

from tcremedy.diagnose.checks import capacity, guest, guest_more, instance, network, password
from tcremedy.diagnose.checks.base import CHECKS, Check, CheckRegistry
from tcremedy.diagnose.readings import gaps_for, guest_facts, window_max

__all__ = [
    "CHECKS",
    "Check",
    "CheckRegistry",
    "capacity",
    "gaps_for",
    "guest",
    "guest_facts",
    "guest_more",
    "instance",
    "network",
    "password",
    "window_max",
]
