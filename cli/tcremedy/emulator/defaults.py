"""Documented defaults of the local Tencent Cloud (the embedded emulator).

The region and the local credentials are shared with the client side: they live in the neutral
``tcremedy.defaults`` (re-exported here).
"""

from tcremedy.defaults import DEFAULT_REGION, LOCAL_SECRET_ID, LOCAL_SECRET_KEY

__all__ = ["DEFAULT_REGION", "LOCAL_SECRET_ID", "LOCAL_SECRET_KEY"]
DEFAULT_HOST = "127.0.0.1"
CONTROL_PREFIX = "/_emulator"  # control API for conditions no public API can set
DEFAULT_PORT = 0  # 0 = any free port; `emulator serve` prints the endpoint as its first stdout line
DEFAULT_FLEET_SIZE = 300  # instances in the `fleet` scenario (--fleet-size, max 10,000)
MAX_FLEET_SIZE = 10_000
