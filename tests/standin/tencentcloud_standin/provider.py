"""Check / Diff / Create / Read / Update / Delete, answered the way the bridge answers them.

pulumi-terraform-bridge v3.118.0 over a Terraform SDKv2 resource:

* Check fills schema Defaults into the inputs and fails on a missing Required field or on two
  fields that ``ConflictsWith`` each other;
* Diff compares the new inputs with the last recorded state: a changed field is an update, a
  changed ForceNew field a replace; a Computed field absent from the inputs is no change, an
  Optional one absent from the inputs but set in the state is (Terraform plans it back to null);
* Create / Update record the inputs overlaid with what the resource's Read sets (the state after a
  Terraform apply); Read with no recorded state is an import: the inputs are the input fields of
  what Read found (``ExtractInputsFromOutputs``);
* a Sensitive field comes back as a Pulumi secret.

Preview never calls Create/Update (``supports_preview`` is false). Provider configuration changes
are updates of the provider, never replacements.
"""

from __future__ import annotations

from typing import Any

from pulumi.provider.experimental import provider as p

from tencentcloud_standin import cvm, guard_types, tat, vpc
from tencentcloud_standin.config import ProviderConfig, ProviderError
from tencentcloud_standin.schema import RO, empty
from tencentcloud_standin.schema import SCHEMAS as ADOPTED
from tencentcloud_standin.values import plain_map, wire_map

SCHEMAS = {**ADOPTED, **guard_types.SCHEMAS}  # + the preview-only types (the CrossGuard table)

RESOURCES: dict[str, Any] = {
    **{t: vpc for t in vpc.TYPES},
    **{t: cvm for t in cvm.TYPES},
    **{t: tat for t in tat.TYPES},
    **{t: guard_types for t in guard_types.TYPES},
}
DIFF_NONE, DIFF_SOME = 1, 2  # proto DiffResponse.DiffChanges (the SDK's DiffConfig passes it through)


def _schema(type_: str) -> dict[str, Any]:
    if type_ not in SCHEMAS:
        raise ProviderError(f"the stand-in plugin does not serve {type_}")
    return SCHEMAS[type_]


def _secrets(type_: str) -> set[str]:
    return {name for name, f in _schema(type_).items() if f.secret}


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


class StandInProvider(p.Provider):
    def __init__(self) -> None:
        self.config = ProviderConfig()

    # ------------------------------------------------------------------ provider configuration

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        return p.CheckResponse(inputs=request.new_inputs)

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        keys = sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k) and k != "version")
        return p.DiffResponse(changes=DIFF_SOME if keys else DIFF_NONE, diffs=keys)  # type: ignore[arg-type]

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        self.config = ProviderConfig.from_args(plain_map(request.args))
        return p.ConfigureResponse(accept_secrets=True, supports_preview=False)

    # ------------------------------------------------------------------ resources

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        schema = _schema(request.type)
        news = plain_map(request.new_inputs)
        inputs = dict(request.new_inputs)
        failures = []
        for name, field in schema.items():
            if field.default is not None and empty(news.get(name)):
                inputs[name] = wire_map({name: field.default})[name]
                news[name] = field.default
            if field.required and empty(news.get(name)):
                failures.append(p.CheckFailure(name, f'Missing required argument: "{snake(name)}"'))
            for other in field.conflicts:
                if not empty(news.get(name)) and not empty(news.get(other)):
                    failures.append(p.CheckFailure(name, f'"{snake(name)}": conflicts with {snake(other)}'))
        return p.CheckResponse(inputs=inputs, failures=failures)

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        schema = _schema(request.type)
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        diffs, replaces = [], []
        for name, field in schema.items():
            old, new = olds.get(name), news.get(name)
            if new is None and (field.computed or empty(old)):
                continue
            if _same(old, new):
                continue
            diffs.append(name)
            if field.force_new:
                replaces.append(name)
        detailed = {
            n: p.PropertyDiff(
                p.PropertyDiffKind.UPDATE_REPLACE if n in replaces else p.PropertyDiffKind.UPDATE, True
            )
            for n in diffs
        }
        return p.DiffResponse(changes=bool(diffs), replaces=replaces, diffs=diffs, detailed_diff=detailed)

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        inputs = plain_map(request.properties)
        rid, found = RESOURCES[request.type].create(self.config, request.type, inputs)
        return p.CreateResponse(rid, wire_map({**inputs, **found}, _secrets(request.type)))

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        olds, news = plain_map(request.olds), plain_map(request.news)
        found = RESOURCES[request.type].update(self.config, request.type, request.resource_id, olds, news)
        return p.UpdateResponse(wire_map({**olds, **news, **found}, _secrets(request.type)))

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        state = plain_map(request.properties)
        found = RESOURCES[request.type].read(self.config, request.type, request.resource_id, state)
        if found is None:
            return p.ReadResponse(resource_id=None)
        outputs = {**state, **found}
        if not state:  # an import: the inputs are what Read found, input fields only
            schema = _schema(request.type)
            inputs = {k: v for k, v in found.items() if k in schema and schema[k] is not RO}
        else:
            inputs = plain_map(request.inputs)
        secrets = _secrets(request.type)
        return p.ReadResponse(request.resource_id, wire_map(outputs, secrets), wire_map(inputs, secrets))

    async def delete(self, request: p.DeleteRequest) -> None:
        RESOURCES[request.type].delete(
            self.config, request.type, request.resource_id, plain_map(request.properties)
        )


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(old, bool):
        return float(old) == float(new)
    if empty(old) and empty(new):
        return True
    return old == new
