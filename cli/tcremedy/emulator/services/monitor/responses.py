"""Monitor 2018-07-24 handlers."""

from __future__ import annotations

import json
from typing import Any

from tcremedy.emulator.core import params as p
from tcremedy.emulator.core.dispatch import action
from tcremedy.emulator.core.errors import InvalidParameterValue, MissingParameter
from tcremedy.emulator.core.protocol import PreEncoded
from tcremedy.emulator.core.world import RegionState
from tcremedy.emulator.services.monitor.models import NAMESPACE, MonitorBackend, Series


@action("monitor", "2018-07-24", "GetMonitorData")
def get_monitor_data(region: RegionState, params: dict[str, Any]) -> dict[str, Any]:
    namespace = p.string(params, "Namespace", required=True)
    metric = p.string(params, "MetricName", required=True)
    instances = p.obj_list(params, "Instances", required=True) or []
    if not instances:
        raise MissingParameter("Instances")
    if namespace != NAMESPACE:
        raise InvalidParameterValue(
            f"The namespace `{namespace}` is not supported by this emulator; supported: {NAMESPACE}."
        )
    period = p.integer(params, "Period", 300)
    assert metric is not None and period is not None
    dimensions: list[list[dict[str, str]]] = []
    ids = []
    for i, inst in enumerate(instances):
        dims = p.obj_list(inst, "Dimensions", required=True) or []
        wanted = [d for d in dims if d.get("Name") == "InstanceId"]
        if not wanted or not isinstance(wanted[0].get("Value"), str):
            raise InvalidParameterValue(f"Instances.{i}.Dimensions must contain InstanceId for {NAMESPACE}.")
        ids.append(wanted[0]["Value"])
        dimensions.append([{"Name": str(d.get("Name")), "Value": str(d.get("Value"))} for d in dims])
    backend: MonitorBackend = region.monitor
    window = backend.window(p.string(params, "StartTime"), p.string(params, "EndTime"), period)
    series = backend.series(metric, ids, period, window)
    points = [
        {"Dimensions": dims, "Timestamps": s.timestamps, "Values": s.values}
        for dims, s in zip(dimensions, series, strict=True)
    ]
    return {
        "Period": period,
        "MetricName": metric,
        "DataPoints": PreEncoded(points, _texts(dimensions, series)),
        "StartTime": window.stamp(window.start),
        "EndTime": window.stamp(window.end),
        "Msg": "",
    }


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_text = json.encoder.encode_basestring  # a str as a JSON string literal (C when available)


def _texts(dimensions: list[list[dict[str, str]]], series: list[Series]) -> list[str]:
    """Each DataPoint's JSON, written directly (50 instances x the window's samples per request;
    encoding was most of the answer's cost): the instances share one Timestamps list, encoded
    once, and each series carries its Values' text."""
    stamps: dict[int, str] = {}
    texts = []
    for dims, s in zip(dimensions, series, strict=True):
        if id(s.timestamps) not in stamps:
            stamps[id(s.timestamps)] = _encode(s.timestamps)
        names = ",".join(f'{{"Name":{_text(d["Name"])},"Value":{_text(d["Value"])}}}' for d in dims)
        texts.append(
            f'{{"Dimensions":[{names}],"Timestamps":{stamps[id(s.timestamps)]},"Values":{s.values_json}}}'
        )
    return texts
