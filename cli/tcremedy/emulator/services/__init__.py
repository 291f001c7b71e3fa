"""One package per emulated service: models (state + validation) and responses (wire <-> model)."""
