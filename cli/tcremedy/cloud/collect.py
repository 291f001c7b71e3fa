"""Collection: read everything diagnosis needs, for the instances a policy selects, into a LiveState.

Order of work (each step batched and run on the bounded pool of ``CloudApi``):

1. ``DescribeInstances`` with the selector's ids / tags / exact name pushed down as filters; every
   listed instance lands in the state (so the report can count what the policy skipped), but only
   the *selected* ones are inspected further. As the pages arrive, metrics per metric (50
   instances per request) start, and so does the guest chain (``guest_feed``): TAT agent status
   (100 per request), the probe (one ``RunCommand`` per 200 online running Windows instances),
   polling, and each finished invocation's tasks.
2. In one go: security-group rules per distinct group, subnets by id.
3. Network ACLs of those subnets, address templates only if a rule references one.

Anything that cannot be read becomes a ``CollectionGap`` in ``LiveState.gaps`` (a guest that cannot be
probed: a ``GuestProbe`` whose ``error`` says why); never silence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tcremedy.cloud import collect_guest, collect_monitor, collect_vpc
from tcremedy.cloud.api import CloudApi
from tcremedy.cloud.collect_cvm import InstanceQuery, describe_instances, distinct
from tcremedy.cloud.collect_guest import ProbeSettings
from tcremedy.cloud.guest_feed import GuestFeed
from tcremedy.cloud.state import CollectionGap, GuestProbe, Instance, LiveState

Selects = Callable[[Instance], bool]


@dataclass(frozen=True)
class CollectRequest:
    """What to collect. ``selects`` decides, after listing, which instances are inspected."""

    region: str
    query: InstanceQuery = field(default_factory=InstanceQuery)
    selects: Selects = lambda inst: True
    window_seconds: int = 900
    metrics: tuple[str, ...] = collect_monitor.METRICS
    probe: ProbeSettings = field(default_factory=ProbeSettings)
    endpoint: str = ""


def collect(api: CloudApi, request: CollectRequest, now: datetime | None = None) -> LiveState:
    """Read the live state for ``request`` (see module docstring)."""
    now = now or datetime.now(UTC)
    # The metrics start with the first page of the listing (MetricFeed): they are the slowest chain.
    # So does the guest chain (GuestFeed): agent status, probe and task reads per full batch.
    feed = collect_monitor.MetricFeed(api, now, request.window_seconds, request.metrics)
    guest_feed = GuestFeed(api, request.probe)

    def listed_page(page: list[Instance]) -> None:
        chosen = [i for i in page if request.selects(i)]
        feed.add([i.instance_id for i in chosen])
        guest_feed.add([i.instance_id for i in chosen if i.state == "RUNNING"])

    try:
        listed, gaps = describe_instances(api, request.region, request.query, on_page=listed_page)
    except BaseException:
        feed.close()
        guest_feed.close()
        raise
    instances = {i.instance_id: i for i in sorted(listed, key=lambda i: i.instance_id)}
    chosen = [i for i in instances.values() if request.selects(i)]
    chosen_ids = [i.instance_id for i in chosen]
    running = [i.instance_id for i in chosen if i.state == "RUNNING"]

    group_ids = distinct([g for i in chosen for g in i.security_group_ids])
    subnet_ids = distinct([i.subnet_id for i in chosen])

    # Four independent chains, side by side (each batches, paces and uses the pool itself), so the
    # run's critical path is its slowest chain, normally the metrics at GetMonitorData's rate limit.
    def sg_chain() -> tuple[dict, list, dict, dict, list, dict, dict]:
        groups, sg_gaps = collect_vpc.security_groups(api, group_ids)
        rules = [r for g in groups.values() for r in (*g.ingress, *g.egress)]
        templates, template_groups, tpl_gaps = collect_vpc.address_templates(api, rules)
        services, service_groups, svc_gaps = collect_vpc.service_templates(api, rules)
        return groups, sg_gaps, templates, template_groups, tpl_gaps + svc_gaps, services, service_groups

    def network_chain() -> tuple[dict, list, dict, list]:
        subnets, subnet_gaps = collect_vpc.subnets(api, subnet_ids)
        acl_ids = distinct([s.network_acl_id for s in subnets.values()])
        acls, acl_gaps = collect_vpc.network_acls(api, acl_ids)
        return subnets, subnet_gaps, acls, acl_gaps

    with ThreadPoolExecutor(max_workers=4) as chains:
        metric_job = chains.submit(feed.finish, chosen_ids)
        sg_job, net_job = chains.submit(sg_chain), chains.submit(network_chain)
        guest_job = chains.submit(guest_feed.finish, running)
        groups, sg_gaps, templates, template_groups, tpl_gaps, services, service_groups = sg_job.result()
        subnets, subnet_gaps, acls, acl_gaps = net_job.result()
        agents, agent_errors, probes = guest_job.result()
        series, metric_gaps = metric_job.result()

    guests = _guests(running, agents, agent_errors, probes, request.probe.enabled)
    guest_gaps = [
        CollectionGap("guest", iid, *failed)
        for iid, guest in sorted(guests.items())
        if (failed := collect_guest.failed_call(guest.error))
    ]
    for iid in chosen_ids:
        instances[iid] = replace(instances[iid], metrics=series.get(iid, {}), guest=guests.get(iid))
    return LiveState(
        region=request.region,
        collected_at=now.astimezone(UTC).replace(microsecond=0).isoformat(),
        endpoint=request.endpoint,
        window_seconds=request.window_seconds,
        instances=instances,
        security_groups=dict(sorted(groups.items())),
        network_acls=dict(sorted(acls.items())),
        subnets=dict(sorted(subnets.items())),
        address_templates=dict(sorted(templates.items())),
        address_template_groups=dict(sorted(template_groups.items())),
        service_templates=dict(sorted(services.items())),
        service_template_groups=dict(sorted(service_groups.items())),
        gaps=tuple([*gaps, *sg_gaps, *subnet_gaps, *acl_gaps, *tpl_gaps, *metric_gaps, *guest_gaps]),
    )


def _guests(
    running: Sequence[str],
    agents: dict[str, str],
    agent_errors: dict[str, str],
    probes: dict[str, GuestProbe],
    enabled: bool,
) -> dict[str, GuestProbe]:
    """GuestProbe per running selected instance; instances that are not running are not probed (None)."""
    out: dict[str, GuestProbe] = {}
    for iid in running:
        if iid in agent_errors:
            out[iid] = GuestProbe("Unknown", "", agent_errors[iid])
        elif agents.get(iid) != "Online":
            status = agents.get(iid, "Unknown")
            reason = "TAT agent is not installed" if status == "NotInstalled" else f"TAT agent is {status}"
            out[iid] = GuestProbe(status, "", reason)
        elif not enabled:
            out[iid] = GuestProbe("Online", "", "guest probe disabled (--no-guest-probe)")
        else:
            out[iid] = probes.get(iid, GuestProbe("Online", "", "no probe result"))
    return out
