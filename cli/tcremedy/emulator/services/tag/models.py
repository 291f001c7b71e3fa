"""Resource tags, read from the CVM instances (the tag service has no state of its own here)."""

from __future__ import annotations

from typing import Any

from tcremedy.emulator.core.backend import StatelessBackend


class TagBackend(StatelessBackend):
    """Tags, read from the CVM instances."""

    def instance_tags(self, resource_ids: list[str], region_name: str) -> list[dict[str, Any]]:
        """TagResource rows for CVM instances, in request order, then tag order."""
        cvm = self.region.world.region(region_name).cvm
        rows = []
        for rid in resource_ids:
            inst = cvm.instances.get(rid)
            if inst is None:
                continue
            for key, value in inst.tags.items():
                rows.append(
                    {
                        "TagKey": key,
                        "TagValue": value,
                        "ResourceId": rid,
                        "TagKeyMd5": "",
                        "TagValueMd5": "",
                        "ServiceType": "cvm",
                        "Category": "Custom",
                    }
                )
        return rows
