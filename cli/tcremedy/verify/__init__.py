"""Proving RDP works by connecting: the RDP negotiation codec (``rdp``, sans-io), the TCP probe that
drives it (``probe``) and the per-instance verdicts tied to the diagnosis (``outcome``)."""
