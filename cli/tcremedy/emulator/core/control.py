"""The control API under ``/_emulator``: set conditions no public API can set (JSON over HTTP).

Unauthenticated (the emulator listens on loopback). Routes (``?region=R`` selects a region,
default the configured one):

* ``GET  /_emulator/health``                        -> ``{"status": "ok", "scenario": ...}``
* ``POST /_emulator/reset``                         rebuild the world from the current scenario
* ``GET  /_emulator/state``                         the world snapshot (the ``--state`` format)
* ``POST /_emulator/state/flush``                   write the ``--state`` file now
* ``POST /_emulator/scenario``  ``{"name": N}``     replace the world by scenario N (name or file)
* ``GET  /_emulator/scenario``                      name, ``expect`` block, expected cause per instance
* ``POST /_emulator/instances/<id>/guest``  fields  guest facts (probe keys, ``AgentStatus``)
* ``POST /_emulator/instances/<id>/load``   fields  load model (``CpuUsage``, ``MemUsage``, ...)
* ``POST /_emulator/instances/<id>/status`` fields  ``RestrictState``, ``IsolatedSource``,
  ``LatestOperation``, ``LatestOperationState``, ``LatestOperationErrorMsg``, ``FailPasswordReset``
* ``GET  /_emulator/instances/<id>``                guest, load and status of one instance
* ``POST /_emulator/clock``  ``{"advance": S}``     move the emulator clock S seconds forward
* ``GET  /_emulator/operator`` / ``POST`` ``{"ip": A|null}``  where the operator connects from
  (null = the scenario's ``operator_ip``, default the first address of the first admin range)
* ``GET  /_emulator/rdp``                           the guests' RDP listeners (instance -> ports)
* ``GET  /_emulator/faults`` / ``POST /_emulator/faults`` ``{"latency_ms", "throttle_rate",
  "error_rate"}``                                    read / change injected faults at run time
* ``GET  /_emulator/stats`` / ``POST /_emulator/stats/reset``  server CPU seconds per action
* ``POST /_emulator/holds`` ``{"action", "count", "when", "skip", "service"}``  hold an action
* ``GET  /_emulator/holds``                         holds, held requests, every request in flight
* ``GET  /_emulator/holds/<id>``                    one hold
* ``POST /_emulator/holds/<id>/wait`` ``{"timeout": S, "count": N}``  block until N are held (408)
* ``POST /_emulator/holds/<id>/release`` ``{"outcome": "run"|"drop"|"fail"|"cut", "code", "message"}``
* ``DELETE /_emulator/holds/<id>`` / ``DELETE /_emulator/holds``  release (run) and remove
* ``POST /_emulator/reachability`` ``{"instance_id", "source_ip", "port"[, "source_port"]}`` ->
  ``{"reachable", "stopped_at", "rule", "source_port"}``: the emulator's own packet-level judge
  (``tcremedy.emulator.judge``), the oracle for tcremedy's fixes

Errors: HTTP 400 (bad body/field, a scenario that cannot be read or built), 404 (unknown route,
instance or scenario), 408 (a hold wait timed out) with ``{"error": message}``; a failed request
leaves the world as it was.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from tcremedy.emulator.core.errors import ApiError
from tcremedy.emulator.core.holds import HoldError
from tcremedy.emulator.defaults import CONTROL_PREFIX
from tcremedy.errors import TcremedyError

if TYPE_CHECKING:
    from tcremedy.emulator.core.app import Emulator
    from tcremedy.emulator.core.protocol import HttpRequest


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _body(request: HttpRequest) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ControlError(400, f"request body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError(400, "request body must be a JSON object")
    return data


def handle_control(emulator: Emulator, request: HttpRequest) -> tuple[int, dict[str, Any]]:
    try:
        return 200, _route(emulator, request)
    except (ControlError, HoldError) as exc:
        return exc.status, {"error": str(exc)}
    except ApiError as exc:
        status = 404 if "NotFound" in exc.code else 400
        return status, {"error": exc.message, "code": exc.code}
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error": str(exc)}
    except TcremedyError as exc:  # a scenario that cannot be read or built: the world is unchanged
        return (404 if str(exc).startswith("unknown scenario") else 400), {"error": str(exc)}


def _route(emulator: Emulator, request: HttpRequest) -> dict[str, Any]:
    path, query = request.path_and_query
    parts = [p for p in path[len(CONTROL_PREFIX) :].split("/") if p]
    method = request.method
    world = emulator.world
    region_name = parse_qs(query).get("region", [emulator.config.region])[0]
    match method, parts:
        case "GET", ["health"]:
            return {"status": "ok", "scenario": world.meta.get("scenario"), "regions": sorted(world.regions)}
        case "POST", ["reset"]:
            emulator.reset()
            return {"status": "reset", "scenario": world.meta.get("scenario")}
        case "GET", ["state"]:
            with world.lock:
                return world.snapshot()
        case "POST", ["state", "flush"]:
            emulator.flush()
            return {"status": "written", "path": str(emulator.config.state_file or "") or None}
        case "GET", ["scenario"]:
            return {k: world.meta.get(k) for k in ("scenario", "expect", "instances")}
        case "POST", ["scenario"]:
            name = _body(request).get("name")
            if name is not None and not isinstance(name, str):
                raise ControlError(400, "`name` must be a scenario name, a file path or null")
            emulator.load_scenario(name)
            return {"status": "loaded", "scenario": world.meta.get("scenario")}
        case "GET", ["instances", instance_id]:
            with world.lock:
                return world.region(region_name).cvm.control_view(instance_id)
        case "POST", ["instances", instance_id, ("guest" | "load" | "status") as what]:
            fields = _body(request)
            with world.lock:
                cvm = world.region(region_name).cvm
                setter = {"guest": cvm.set_guest, "load": cvm.set_load, "status": cvm.set_status}[what]
                result = setter(instance_id, fields)
            emulator.changed()
            return result
        case "POST", ["clock"]:
            seconds = _body(request).get("advance", 0)
            if not isinstance(seconds, int | float) or seconds < 0:
                raise ControlError(400, "`advance` must be a non-negative number of seconds")
            emulator.clock.advance(float(seconds))
            return {"now": emulator.clock()}
        case "GET", ["operator"]:
            return {"ip": emulator.operator_ip()}
        case "POST", ["operator"]:
            ip = _body(request).get("ip")
            if ip is not None:
                ip = str(ipaddress.ip_address(str(ip)))  # ValueError -> 400
            emulator.operator_override = ip
            return {"ip": emulator.operator_ip()}
        case "GET", ["rdp"]:
            listeners = emulator.listeners
            return {
                "operator_ip": emulator.operator_ip(),
                "listening": listeners.addresses() if listeners is not None else {},
                "unbound": {f"{a}:{p}": e for (a, p), e in listeners.errors.items()} if listeners else {},
            }
        case "GET", ["faults"]:
            return asdict(emulator.config.faults)
        case "POST", ["faults"]:
            return asdict(emulator.set_faults(**_body(request)))
        case "GET", ["stats"]:
            return emulator.stats.as_data()
        case "POST", ["reachability"]:
            return _reachability(emulator, region_name, _body(request))
        case "POST", ["stats", "reset"]:
            emulator.stats.clear()
            return {"status": "cleared"}
        case _, ["holds", *_]:
            return _holds(emulator, method, parts[1:], request)
    raise ControlError(404, f"no control route {method} {path}")


def _number(body: dict[str, Any], name: str, default: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(400, f"`{name}` must be a number")
    return float(value)


def _holds(emulator: Emulator, method: str, rest: list[str], request: HttpRequest) -> dict[str, Any]:
    holds = emulator.holds
    match method, rest:
        case "GET", []:
            return holds.status()
        case "POST", []:
            return holds.add(_body(request))
        case "DELETE", []:
            holds.clear()
            return {"status": "cleared"}
        case "GET", [hold_id]:
            return holds.get(hold_id)
        case "POST", [hold_id, "wait"]:
            body = _body(request)
            count = body.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ControlError(400, "`count` must be a positive integer")
            return holds.wait(hold_id, _number(body, "timeout", 60), count)
        case "POST", [hold_id, "release"]:
            body = _body(request)
            error = (body.get("code", ""), body.get("message", ""))
            outcome = body.get("outcome", "run")
            return holds.release(hold_id, outcome, timeout=_number(body, "timeout", 30), error=error)
        case "DELETE", [hold_id]:
            return holds.release(hold_id, "run", remove=True)
    raise ControlError(404, f"no control route {method} {CONTROL_PREFIX}/holds/{'/'.join(rest)}")


def _reachability(emulator: Emulator, region_name: str, body: dict[str, Any]) -> dict[str, Any]:
    import ipaddress

    from tcremedy.emulator.judge import judge

    instance_id, source_ip = body.get("instance_id"), body.get("source_ip")
    port, source_port = body.get("port"), body.get("source_port")
    if not isinstance(instance_id, str) or not instance_id:
        raise ControlError(400, "`instance_id` must be an instance id (ins-...)")
    try:
        ipaddress.ip_address(source_ip if isinstance(source_ip, str) else "")
    except ValueError:
        raise ControlError(400, f"`source_ip` must be one IPv4 or IPv6 address, got {source_ip!r}") from None
    for name, value in (("port", port), ("source_port", source_port)):
        if (value is not None or name == "port") and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535
        ):
            raise ControlError(400, f"`{name}` must be a port number 1-65535, got {value!r}")
    with emulator.world.lock:
        region = emulator.world.region(region_name)
        return judge(region, instance_id, str(source_ip), int(port), source_port).as_data()  # type: ignore[arg-type]
