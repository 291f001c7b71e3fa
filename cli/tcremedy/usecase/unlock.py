"""``tcremedy apply --unlock``: release the lock a killed apply left on its stack.

The stack is the one apply would use (account or endpoint, and region: from the options, or from
PLANFILE when given). Nothing is read from the cloud and nothing is applied; a lock whose process
still runs on this machine is left alone (``stack_lock.release``).
"""

from __future__ import annotations

from pathlib import Path

from tcremedy.cloud.clients import resolve_endpoint, resolve_region
from tcremedy.cloud.credentials import resolve_credential
from tcremedy.remediate import stack_lock
from tcremedy.remediate.driver import PROJECT, default_backend_url, stack_name
from tcremedy.remediate.planfile import read_planfile


def run_unlock(
    *,
    plan_file: Path | None,
    endpoint: str | None,
    region: str | None,
    profile: str | None,
    backend_url: str | None,
    home: Path = Path(".tcremedy"),
) -> list[str]:
    """What was released (or that nothing was locked). Raises EngineError while a live run holds it."""
    if plan_file is not None:
        pf = read_planfile(plan_file)
        endpoint = endpoint if endpoint is not None else (pf.endpoint or None)
        region = region or pf.region
    url = resolve_endpoint(endpoint).url
    cred = resolve_credential(url, profile)
    name = stack_name(url, resolve_region(region), str(getattr(cred.credential, "secret_id", "")))
    return stack_lock.release(backend_url or default_backend_url(home), PROJECT, name)
