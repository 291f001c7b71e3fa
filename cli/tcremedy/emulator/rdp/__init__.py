"""The emulated guests' RDP endpoints on real loopback sockets (``listeners``), what each one answers
(``answer``, which asks the emulator's packet-level judge, ``tcremedy.emulator.judge``, first)."""
