"""TAT 2020-10-28: RunCommand and its invocations, executed by the emulated guest."""
