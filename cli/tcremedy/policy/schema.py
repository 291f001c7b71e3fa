"""The policy's JSON Schema, generated from the pydantic model (``tcremedy policy schema``).

Editors validate policy files with it (e.g. a ``# yaml-language-server: $schema=...`` line).
The README's settings table (``docs.py``) is rendered from the same schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from tcremedy.policy.model import HEADER_KEYS, SECTIONS, Policy


def policy_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a policy file."""
    schema = TypeAdapter(Policy).json_schema(by_alias=True)
    props = schema["properties"]
    props.pop("source", None)  # set by the loader, not a file key
    order = (*HEADER_KEYS, *SECTIONS)
    schema["properties"] = {key: props[key] for key in order}
    schema["required"] = ["apiVersion", "kind", "name", "rdp"]
    schema["title"] = "tcremedy RDP policy (apiVersion tcremedy/v1, kind RdpPolicy)"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
