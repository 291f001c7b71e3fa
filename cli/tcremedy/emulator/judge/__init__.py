"""The local cloud's own judge of reachability: one packet at a time through the emulated network.

Written apart from ``tcremedy.diagnose.reachability`` and in a different way (no address-space
algebra: concrete packets, rule by rule), so it can serve as an oracle for tcremedy's fixes.
Entry point for other emulator code: ``judge(region, instance_id, source_ip, port)``.
"""

from tcremedy.emulator.judge.walk import Judgement, judge

__all__ = ["Judgement", "judge"]
