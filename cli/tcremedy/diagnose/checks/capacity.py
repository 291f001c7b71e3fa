"""Capacity checks: public bandwidth against the policy, and metric peaks over the policy window."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from tcremedy.cloud.collect_monitor import AGENT_METRICS, METRICS
from tcremedy.cloud.state import Instance, LiveState
from tcremedy.diagnose.checks.base import CHECKS, Check
from tcremedy.diagnose.findings import Finding, Severity
from tcremedy.diagnose.readings import gap_reason, window_max, window_series
from tcremedy.policy.model import Policy


def _bandwidth_evidence(instance: Instance, bandwidth: int, minimum: int) -> dict[str, Any]:
    return {
        "internet_max_bandwidth_out": bandwidth,
        "min_bandwidth_mbps": minimum,
        "internet_charge_type": instance.internet_charge_type,
    }


@CHECKS.register("BANDWIDTH_ZERO")
class BandwidthZero(Check):
    """InternetMaxBandwidthOut = 0 means no public traffic at all (Tencent: at least 1 Mbps)."""

    severity = Severity.CRITICAL
    fix = "raise_bandwidth"

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        if instance.internet_max_bandwidth_out > 0:
            return []
        minimum = policy.capacity.min_bandwidth_mbps
        return [
            self.fail(
                instance,
                "Public outbound bandwidth (InternetMaxBandwidthOut) is 0 Mbps; policy "
                f"minimum is {minimum} Mbps",
                _bandwidth_evidence(instance, 0, minimum),
            )
        ]


@CHECKS.register("BANDWIDTH_BELOW_POLICY")
class BandwidthBelowPolicy(Check):
    """Bandwidth above 0 but below ``capacity.min_bandwidth_mbps`` (0 is BANDWIDTH_ZERO)."""

    severity = Severity.MEDIUM
    fix = "raise_bandwidth"

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        bw, minimum = instance.internet_max_bandwidth_out, policy.capacity.min_bandwidth_mbps
        if bw == 0 or bw >= minimum:
            return []
        return [
            self.fail(
                instance,
                f"Public bandwidth is {bw} Mbps, below the policy minimum of {minimum} Mbps",
                _bandwidth_evidence(instance, bw, minimum),
            )
        ]


HOST_METRICS = tuple(m for m in METRICS if m not in AGENT_METRICS)  # measured on the host: no agent needed


class _WindowPeak(Check):
    """The peak of ``metrics`` over the policy window must stay below ``threshold``.

    No samples in the window (or a metrics gap) is UNKNOWN, never a pass.
    """

    metrics: ClassVar[tuple[str, ...]] = ()
    metrics_in_unknown: ClassVar[bool] = True  # name the metrics in an UNKNOWN finding's evidence

    def threshold(self, policy: Policy, instance: Instance) -> float | None:
        """The level the peak must stay below; None when the check does not apply."""
        raise NotImplementedError

    def over(
        self, policy: Policy, instance: Instance, peak: tuple[float, str, int], threshold: float
    ) -> Finding:
        """The FAIL finding for a peak at or above the threshold."""
        raise NotImplementedError

    def _no_samples(self, instance: Instance, state: LiveState, window: int) -> str:
        """Why the window is empty, as far as the samples tell: a guest metric missing while the host
        measures the instance points at Cloud Monitor's agent in the guest."""
        names = "/".join(self.metrics)
        reason = f"no {names} samples in the last {window} s"
        if not set(self.metrics) <= set(AGENT_METRICS):
            return reason
        host = window_max(instance, state, HOST_METRICS, window)
        if host is None:
            return reason
        return (
            f"{reason}, while the host-side {host[1]} has {host[2]}: {names} comes from Cloud Monitor's "
            "agent inside the guest, which reports nothing; is it installed and running?"
        )

    def evaluate(self, policy: Policy, instance: Instance, state: LiveState) -> list[Finding]:
        threshold = self.threshold(policy, instance)
        if threshold is None:
            return []
        window = policy.capacity.window_seconds
        peak = window_max(instance, state, self.metrics, window)
        if peak is None:
            fallback = self._no_samples(instance, state, window)
            reason = gap_reason(state, "metrics", instance.instance_id, fallback)
            named = {"metrics": list(self.metrics)} if self.metrics_in_unknown else {}
            return [self.unknown(instance, reason, **named, window_seconds=window)]
        if peak[0] < threshold:
            return []
        finding = self.over(policy, instance, peak, threshold)
        series = [round(v, 3) for v in window_series(instance, state, peak[1], window)]
        return [replace(finding, evidence={**finding.evidence, "series": series})]


class _PercentCeiling(_WindowPeak):
    """A utilisation metric (%) against a ceiling from the policy's ``capacity`` settings."""

    what: ClassVar[str] = ""
    ceiling_setting: ClassVar[str] = ""  # the CapacityPolicy field holding the ceiling (%)
    culprits: ClassVar[str] = ""  # the GuestFacts field listing the top processes (the Task Manager step)

    def threshold(self, policy: Policy, instance: Instance) -> float:
        return getattr(policy.capacity, self.ceiling_setting)

    def over(
        self, policy: Policy, instance: Instance, peak: tuple[float, str, int], threshold: float
    ) -> Finding:
        top, metric, samples = peak
        window = policy.capacity.window_seconds
        evidence: dict[str, Any] = {
            "metric": metric,
            "max": top,
            "threshold": threshold,
            "window_seconds": window,
            "samples": samples,
        }
        message = (
            f"{self.what} peaked at {top:g}% over the last {window} s ({metric}), ceiling {threshold:g}%"
        )
        facts = instance.guest.facts if instance.guest is not None else None
        processes = getattr(facts, self.culprits, None) if facts is not None else None
        if processes:
            evidence["top_processes"] = [dict(p) for p in processes]
            message += f"; top process {processes[0].get('Name')} (pid {processes[0].get('Id')})"
        return self.fail(instance, message, evidence)


@CHECKS.register("CPU_SATURATED")
class CpuSaturated(_PercentCeiling):
    """Max of CpuUsage / BaseCpuUsage over the window >= ``capacity.cpu_ceiling_percent``."""

    severity = Severity.HIGH
    fix = "reboot_instance"
    metrics = ("CpuUsage", "BaseCpuUsage")
    what = "CPU usage"
    ceiling_setting = "cpu_ceiling_percent"
    culprits = "top_cpu"


@CHECKS.register("MEMORY_SATURATED")
class MemorySaturated(_PercentCeiling):
    """Max of MemUsage over the window >= ``capacity.memory_ceiling_percent``."""

    severity = Severity.HIGH
    fix = "reboot_instance"
    metrics = ("MemUsage",)
    what = "Memory usage"
    ceiling_setting = "memory_ceiling_percent"
    culprits = "top_memory"


@CHECKS.register("BANDWIDTH_SATURATED")
class BandwidthSaturated(_WindowPeak):
    """Max WanOuttraffic (Mbps) over the window >= ceiling % of InternetMaxBandwidthOut."""

    severity = Severity.HIGH
    fix = "raise_bandwidth"
    metrics = ("WanOuttraffic",)
    metrics_in_unknown = False

    def threshold(self, policy: Policy, instance: Instance) -> float | None:
        cap = instance.internet_max_bandwidth_out
        if cap <= 0:
            return None  # BANDWIDTH_ZERO says it
        return cap * policy.capacity.bandwidth_ceiling_percent / 100

    def over(
        self, policy: Policy, instance: Instance, peak: tuple[float, str, int], threshold: float
    ) -> Finding:
        top, metric, samples = peak
        cap, window = instance.internet_max_bandwidth_out, policy.capacity.window_seconds
        percent = policy.capacity.bandwidth_ceiling_percent
        return self.fail(
            instance,
            f"Outbound traffic peaked at {top:g} Mbps of a {cap} Mbps cap "
            f"(>= {percent:g}%) over the last {window} s",
            {
                "metric": metric,
                "max_mbps": top,
                "threshold_mbps": threshold,
                "internet_max_bandwidth_out": cap,
                "ceiling_percent": percent,
                "min_bandwidth_mbps": policy.capacity.min_bandwidth_mbps,
                "window_seconds": window,
                "samples": samples,
            },
        )
