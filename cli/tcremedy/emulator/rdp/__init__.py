"""The emulated guests' RDP endpoints on real loopback sockets (``listeners``), what each one answers
(``answer``), and the packet-level reachability judge the answer asks first (``judge``)."""
