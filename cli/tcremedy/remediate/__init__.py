"""Remediation: fix planning, guardrails, and the Pulumi driver."""
