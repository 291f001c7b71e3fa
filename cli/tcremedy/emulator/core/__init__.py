"""Service-independent parts of the emulator: errors, action registry, world state, protocol."""
