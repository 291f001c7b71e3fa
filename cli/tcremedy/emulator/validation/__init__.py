"""Request validation generated from the SDK's own request models, for every action served.

``validate_request(service, action, params, form=...)`` runs before any handler (one call in
``core/protocol.py``) and answers what the real API answers: a member the model does not declare
-> ``UnknownParameter``; a value of the wrong type -> ``InvalidParameter``; a required member
absent -> ``MissingParameter``; a list or number over its documented limit ->
``InvalidParameterValue.LimitExceeded``. Names, nesting and types come from
``tencentcloud/<svc>/<ver>/models.py`` (through ``tcremedy.sdk_models``); required-ness and limits,
which the models do not state, from the API reference (``rules.py``, cited per entry).
``check_response`` is the mirror image for the emulator's own answers (used by its tests).
"""

from tcremedy.emulator.validation.request import validate_request
from tcremedy.emulator.validation.response import check_response

__all__ = ["check_response", "validate_request"]
