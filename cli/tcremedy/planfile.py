"""Compatibility name: the plan file lives in ``tcremedy.remediate.planfile`` (the fix plan, serialised)."""

from tcremedy.remediate.planfile import *  # noqa: F403
from tcremedy.remediate.planfile import (  # noqa: F401
    PLANFILE_FORMAT,
    PlanFile,
    ProposedFix,
    build_planfile,
    parse_planfile,
    propose_fixes,
    read_planfile,
    sha256_text,
    write_planfile,
)
