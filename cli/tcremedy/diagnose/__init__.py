"""Diagnosis: checks against a policy, reachability evaluation, the root-cause chain."""
