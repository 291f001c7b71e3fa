"""Holds: stop named API actions at a known point until a test releases them (no sleeps in tests).

A hold catches the next ``count`` requests of one action (after letting ``skip`` through) at one
of two points:

* ``before``: the request has been authenticated and routed but not run. A client killed now has
  sent the request; releasing it with ``run`` makes the cloud carry it out anyway (a request that
  was on the wire), ``drop`` forgets it (it never arrived).
* ``after``: the action has been carried out, its answer not yet sent. A client killed now never
  learns the result (the engine keeps a pending operation).

A release may also ``fail`` the held requests with an API error (``code``, ``message``): the
client gets that error envelope (before: nothing was done; after: it was done all the same).
Or ``cut`` them: the action runs, and its answer stops halfway through the body (the status line
and headers, with the whole body's Content-Length, then half the body, then the connection
closes): a connection lost while the answer was on its way.

Held requests wait on their own request thread without the world lock, so the rest of the cloud
keeps answering. Every API request is also tracked while in flight (``in_flight``). The control
API exposes this as ``/_emulator/holds`` (see ``control.py`` and the emulator README).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tcremedy.emulator.core.errors import ApiError

WHEN = ("before", "after")
OUTCOMES = ("run", "drop", "fail", "cut")
MAX_WAIT_SECONDS = 600.0


class HoldError(ValueError):
    """A bad hold request (the control API answers 400/404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Held:
    """One request stopped at a hold."""

    request_id: str
    action: str
    since: float
    outcome: str = ""  # set on release: run | drop | fail | cut
    error: tuple[str, str] = ("", "")  # fail: (code, message)
    done: bool = False  # the request thread has moved on past the hold

    def as_data(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "action": self.action, "since": self.since}


@dataclass
class Hold:
    id: str
    action: str
    when: str
    remaining: int  # requests still to catch
    skip: int  # matching requests still to let through first
    service: str = ""
    held: list[Held] = field(default_factory=list)
    released: int = 0

    def matches(self, service: str, action: str, when: str) -> bool:
        return (
            self.when == when
            and self.action == action
            and (not self.service or self.service == service)
            and (self.remaining > 0 or self.skip > 0)
        )

    def as_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "service": self.service or None,
            "when": self.when,
            "remaining": self.remaining,
            "skip": self.skip,
            "held": [h.as_data() for h in self.held if not h.outcome],
            "released": self.released,
        }


class Holds:
    """The registry of holds and of in-flight API requests (thread-safe)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._holds: dict[str, Hold] = {}
        self._in_flight: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    # -- control side ------------------------------------------------------------------------
    def add(self, spec: dict[str, Any]) -> dict[str, Any]:
        unknown = set(spec) - {"action", "count", "when", "skip", "service"}
        if unknown:
            raise HoldError(
                400, f"unknown hold field(s) {sorted(unknown)}; expected action, count, when, skip, service"
            )
        action = spec.get("action")
        if not isinstance(action, str) or not action.isidentifier():
            raise HoldError(400, "`action` must be an API action name, e.g. CreateSecurityGroupPolicies")
        count, skip = spec.get("count", 1), spec.get("skip", 0)
        for name, value, low in (("count", count, 1), ("skip", skip, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 10_000:
                raise HoldError(400, f"`{name}` must be an integer in [{low}, 10000]")
        when = spec.get("when", "before")
        if when not in WHEN:
            raise HoldError(400, f"`when` must be one of {', '.join(WHEN)}")
        service = spec.get("service") or ""
        if not isinstance(service, str):
            raise HoldError(400, "`service` must be a service name such as vpc")
        with self._cond:
            hold = Hold(f"hold-{next(self._ids)}", action, when, count, skip, service)
            self._holds[hold.id] = hold
            return hold.as_data()

    def status(self) -> dict[str, Any]:
        with self._cond:
            return {
                "holds": [h.as_data() for h in self._holds.values()],
                "in_flight": sorted(self._in_flight.values(), key=lambda r: r["since"]),
            }

    def get(self, hold_id: str) -> dict[str, Any]:
        with self._cond:
            return self._hold(hold_id).as_data()

    def wait(self, hold_id: str, timeout: float, count: int = 1) -> dict[str, Any]:
        """Block until ``count`` requests have been caught by the hold (held now or released)."""
        if not 0 < timeout <= MAX_WAIT_SECONDS:
            raise HoldError(400, f"`timeout` must be within (0, {MAX_WAIT_SECONDS:g}] seconds")
        deadline = time.monotonic() + timeout
        with self._cond:
            hold = self._hold(hold_id)
            while len(hold.held) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HoldError(408, f"{hold_id}: no {hold.action} request was held within {timeout:g} s")
                self._cond.wait(left)
                hold = self._hold(hold_id)
            return hold.as_data()

    def release(
        self,
        hold_id: str,
        outcome: str = "run",
        *,
        remove: bool = False,
        timeout: float = 30,
        error: tuple[str, str] = ("", ""),
    ) -> dict[str, Any]:
        """Let the held requests go on (``run``), end them unanswered (``drop``), answer them with an
        API error (``fail``) or with half an answer (``cut``).

        Returns once each released request has moved past the hold, so that on ``run`` with
        ``when=before`` the action has been carried out when this returns.
        """
        if outcome not in OUTCOMES:
            raise HoldError(400, f"`outcome` must be one of {', '.join(OUTCOMES)}")
        code, message = error
        if outcome == "fail" and not (isinstance(code, str) and code and isinstance(message, str)):
            raise HoldError(400, "`fail` needs `code` (an API error code) and `message` strings")
        deadline = time.monotonic() + timeout
        with self._cond:
            hold = self._hold(hold_id)
            waiting = [h for h in hold.held if not h.outcome]
            for held in waiting:
                held.outcome, held.error = outcome, (code, message)
            hold.released += len(waiting)
            if remove:
                hold.remaining = hold.skip = 0
                del self._holds[hold_id]
            self._cond.notify_all()
            while not all(h.done for h in waiting) and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            data = hold.as_data()
            data["outcome"] = outcome
            return data

    def clear(self) -> None:
        """Remove every hold and let every held request run (shutdown, reset)."""
        with self._cond:
            for hold in self._holds.values():
                for held in hold.held:
                    held.outcome = held.outcome or "run"
            self._holds.clear()
            self._cond.notify_all()

    def _hold(self, hold_id: str) -> Hold:
        hold = self._holds.get(hold_id)
        if hold is None:
            raise HoldError(404, f"no hold {hold_id!r}")
        return hold

    # -- request side ------------------------------------------------------------------------
    def started(self, request_id: str, service: str, action: str) -> None:
        with self._cond:
            self._in_flight[request_id] = {
                "request_id": request_id,
                "service": service,
                "action": action,
                "since": time.time(),
                "state": "running",
            }

    def finished(self, request_id: str) -> None:
        with self._cond:
            self._in_flight.pop(request_id, None)

    def checkpoint(self, request_id: str, service: str, action: str, when: str) -> str:
        """Called by the request thread at ``when``; blocks while held. Returns ``run`` (go on),
        ``drop`` (close without answering) or ``cut`` (go on, then cut the answer short); a ``fail``
        release raises its ``ApiError``."""
        with self._cond:
            hold = next((h for h in self._holds.values() if h.matches(service, action, when)), None)
            if hold is None:
                return "run"
            if hold.skip > 0:
                hold.skip -= 1
                return "run"
            hold.remaining -= 1
            held = Held(request_id, action, time.time())
            hold.held.append(held)
            flight = self._in_flight.get(request_id)
            if flight is not None:
                flight["state"] = f"held:{hold.id}"
            self._cond.notify_all()
            while not held.outcome:
                self._cond.wait()
            held.done = True
            if flight is not None:
                flight["state"] = "running"
            self._cond.notify_all()
            if held.outcome == "fail":
                raise ApiError(held.error[1], code=held.error[0])
            return held.outcome
