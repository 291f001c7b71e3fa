"""``python -m tencentcloud_standin <engine-address>``: serve the stand-in provider over gRPC.

Like ``pulumi.provider.experimental.server.main``, but an error reaches the engine as one line (the
provider's message), the way the real plugin reports a Terraform error, without a Python traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import grpc
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from tcremedy.remediate.lifeline import exit_with_engine
from tencentcloud_standin import VERSION
from tencentcloud_standin.provider import StandInProvider

TRACE = ':\n  File "'


def _one_line(method):
    async def call(self, request, context):
        try:
            return await method(self, request, context)
        except Exception as exc:
            await context.abort(grpc.StatusCode.UNKNOWN, str(exc).split(TRACE, 1)[0])

    return call


class Servicer(ProviderServicer):
    pass


for _name in (
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
    "CheckConfig",
    "DiffConfig",
    "Configure",
):
    setattr(Servicer, _name, _one_line(getattr(ProviderServicer, _name)))


def main() -> None:
    parser = argparse.ArgumentParser(description="pulumi-resource-tencentcloud stand-in (tests only)")
    parser.add_argument("engine")
    known, _ = parser.parse_known_args()
    exit_with_engine(any_plugin=True)  # a killed engine takes its plugins along (issue 14 item 5)

    async def serve() -> None:
        server = grpc.aio.server()
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(
            Servicer(sys.argv[1:], VERSION, StandInProvider(), engine_address=known.engine), server
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
