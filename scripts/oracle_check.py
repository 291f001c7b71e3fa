"""Ask the local cloud's own reachability judge (POST /_emulator/reachability) about each repaired
instance: an address from every admin CIDR must connect, an address outside them must not.

Usage: oracle_check.py ENDPOINT PLAN_BEFORE_APPLY.json   (exit 0 when every answer is as expected)
Used by scripts/demo.sh after `tcremedy apply`; the judge is independent of tcremedy's diagnosis.
"""

from __future__ import annotations

import ipaddress
import json
import sys
import urllib.request
from pathlib import Path

from tcremedy.policy.loader import load_policy, resolve_policy_path

OUTSIDE = ("192.0.2.99", "2001:db8:ffff::99")  # documentation addresses outside every admin range


def ask(endpoint: str, instance_id: str, source_ip: str, port: int) -> dict:
    body = json.dumps({"instance_id": instance_id, "source_ip": source_ip, "port": port}).encode()
    req = urllib.request.Request(
        f"{endpoint}/_emulator/reachability",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _samples(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list[str]:
    """The first and the last usable address of an admin CIDR (the one address of a /32)."""
    if net.num_addresses <= 2:
        return [str(net.network_address)]
    return [str(net.network_address + 1), str(net.broadcast_address - 1)]


def main(endpoint: str, plan_file: str) -> int:
    doc = json.loads(Path(plan_file).read_text())
    policy = load_policy(resolve_policy_path(None, Path.cwd()))
    port, admin = policy.rdp.port, [ipaddress.ip_network(c) for c in policy.rdp.admin_cidrs]
    repaired = [i["instance_id"] for i in doc["instances"] if any(f.get("auto") for f in i.get("fixes", []))]
    outside = [ip for ip in OUTSIDE if not any(ipaddress.ip_address(ip) in n for n in admin)]
    wrong = 0
    for iid in repaired:
        for ip in [ip for net in admin for ip in _samples(net)]:
            verdict = ask(endpoint, iid, ip, port)
            ok = verdict["reachable"]
            wrong += not ok
            said = "connects" if ok else f"NOT ADMITTED, stopped at {verdict['stopped_at']}"
            print(f"  {iid}  admin   {ip:<16} {said}")
        for ip in outside[:1]:
            verdict = ask(endpoint, iid, ip, port)
            ok = not verdict["reachable"]
            wrong += not ok
            said = f"kept out at {verdict['stopped_at']}" if ok else "CONNECTS"
            print(f"  {iid}  outside {ip:<16} {said}")
    print(f"oracle: {len(repaired)} repaired instance(s), {wrong} unexpected answer(s)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
