"""Proving RDP works by connecting: the RDP negotiation codec (``rdp``, sans-io), the TCP probe that
drives it (``probe``) and the per-instance verdicts tied to the diagnosis (``outcome``)."""

DEFAULT_TIMEOUT = 5.0  # seconds per probe (here, not in probe.py: `--help` skips sockets, threads)
