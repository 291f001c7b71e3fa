"""The flows the commands run, between the CLI and the domain: ``pipeline`` (policy -> live state
-> diagnosis -> fix plan, shared by plan, check and apply) and ``apply`` (plan or plan file ->
preview -> guardrails -> update -> verify).

Layer: above ``report``, ``remediate``, ``diagnose``, ``cloud`` and ``policy``; only ``commands``
imports it. Nothing here prints: output goes through the views and ``apply.Ui``.
"""
