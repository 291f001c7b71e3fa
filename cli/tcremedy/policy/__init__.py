"""Policies: the desired condition of Windows instances, loaded from YAML."""
