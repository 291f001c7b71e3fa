"""What every SDK dynamic provider shares: the API client from the engine's environment, calls
that fail with a message the engine shows, waiting, and the diff rule.

Credentials and the endpoint come from the engine process's environment (set by ``driver.py`` for
the run), never from resource inputs, so nothing secret lands in the stack's state.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pulumi.dynamic as dyn

from tcremedy.policy.values import is_public_cidr
from tcremedy.remediate.effects import timeout
from tcremedy.remediate.fixes import HOLD, fix_for, resource_violations  # HOLD: kept, not acted on
from tcremedy.remediate.lifeline import exit_with_engine
from tcremedy.remediate.limits import LIMITS_ENV, Limits

exit_with_engine()  # inside the engine's provider process: do not outlive the engine

ENDPOINT_ENV = "TCREMEDY_ENDPOINT"


class FixError(Exception):
    """A fix could not be carried out; the engine shows this message for the resource."""


def api_for(region: str) -> Any:
    """A ``CloudApi`` for ``region`` with the credentials and endpoint of the engine's environment."""
    from tencentcloud.common import credential

    from tcremedy.cloud.api import CloudApi
    from tcremedy.cloud.clients import make_clients, parse_endpoint

    secret_id, secret_key = (
        os.environ.get("TENCENTCLOUD_SECRET_ID"),
        os.environ.get("TENCENTCLOUD_SECRET_KEY"),
    )
    if not secret_id or not secret_key:
        raise FixError(
            "no credentials in the engine environment (TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY)"
        )
    cred = credential.Credential(secret_id, secret_key, os.environ.get("TENCENTCLOUD_SESSION_TOKEN") or None)
    endpoint = parse_endpoint(os.environ.get(ENDPOINT_ENV))
    return CloudApi(make_clients(cred, region, endpoint), concurrency=1)


def call(api: Any, service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    from tcremedy.cloud.api import ApiError

    try:
        return api.call(service, action, params)
    except ApiError as exc:
        raise FixError(f"{action} failed: {exc.code}: {exc.message}") from None


def wait(what: str, probe: Callable[[], bool], interval: float = 0.3) -> None:
    deadline = time.monotonic() + timeout()  # checked by apply before the engine starts
    while not probe():
        if time.monotonic() > deadline:
            raise FixError(f"timed out waiting for {what}")
        time.sleep(interval)


def diff(
    olds: dict[str, Any],
    news: dict[str, Any],
    replace_keys: tuple[str, ...],
    update_keys: tuple[str, ...],
    drifted: Callable[[], bool],
) -> dyn.DiffResult:
    """Replace on ``replace_keys``, update on ``update_keys``, else update when the cloud drifted.

    A held resource (kept by a scoped apply) is not checked for drift: it is left as it is.
    """
    replaces = [k for k in replace_keys if olds.get(k) != news.get(k)]
    if replaces:
        return dyn.DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
    if any(olds.get(k) != news.get(k) for k in update_keys):
        return dyn.DiffResult(changes=True)
    return dyn.DiffResult(changes=False if news.get(HOLD) else drifted())


def limit_failures(kind: str, olds: dict[str, Any], news: dict[str, Any]) -> list[dyn.CheckFailure]:
    """The last guard: the inputs against the policy's limits apply put in the engine's environment.

    Refused without those limits (a run not started by ``tcremedy apply``). An earlier fix kept as it
    is (held, and already in the stack: ``olds``) is not re-judged: keeping it widens nothing.
    """
    if news.get(HOLD) and olds:
        return []
    limits = Limits.from_env()
    if limits is None:
        why = f"no policy limits in the engine environment ({LIMITS_ENV}): run it through `tcremedy apply`"
        return [dyn.CheckFailure("", why)]
    found = resource_violations(kind, fix_for(kind, news), news, limits)
    return [dyn.CheckFailure("", f"refused by the policy: {why}") for why in found]


class GuardedProvider(dyn.ResourceProvider):
    """A provider whose ``check`` refuses inputs beyond the policy's limits (``limit_failures``)."""

    KIND = ""  # the fix resource kind it makes

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        return dyn.CheckResult(news, limit_failures(self.KIND, olds, news))


def public_cidr_failures(news: dict[str, Any]) -> list[dyn.CheckFailure]:
    """A rule or entry for 0.0.0.0/0 or ::/0 is refused unless the plan marked it ``allow_public``."""
    cidr = news.get("cidr_block")
    if cidr and is_public_cidr(str(cidr)) and not news.get("allow_public"):
        reason = (
            f"{news['cidr_block']} opens RDP to the internet and the policy does not set allow_public_rdp"
        )
        return [dyn.CheckFailure("cidr_block", reason)]
    return []
