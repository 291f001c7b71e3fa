"""Documented defaults of the local Tencent Cloud (the embedded emulator).

These credentials are for the loopback emulator only; they are not secrets. Real Tencent Cloud
credentials are never defaulted.
"""

LOCAL_SECRET_ID = "AKIDtcremedyLOCAL0000000000000000000"
LOCAL_SECRET_KEY = "tcremedy-local-emulator-secret-key"
DEFAULT_REGION = "ap-guangzhou"
DEFAULT_HOST = "127.0.0.1"
CONTROL_PREFIX = "/_emulator"  # control API for conditions no public API can set
DEFAULT_PORT = 0  # 0 = any free port; `emulator serve` prints the endpoint as its first stdout line
DEFAULT_FLEET_SIZE = 300  # instances in the `fleet` scenario (--fleet-size, max 10,000)
MAX_FLEET_SIZE = 10_000
