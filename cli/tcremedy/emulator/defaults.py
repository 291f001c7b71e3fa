"""Documented defaults of the local Tencent Cloud (the embedded emulator).

These credentials are for the loopback emulator only; they are not secrets. Real Tencent Cloud
credentials are never defaulted.
"""

LOCAL_SECRET_ID = "AKIDtcremedyLOCAL0000000000000000000"
LOCAL_SECRET_KEY = "tcremedy-local-emulator-secret-key"
DEFAULT_REGION = "ap-guangzhou"
DEFAULT_HOST = "127.0.0.1"
CONTROL_PREFIX = "/_emulator"  # control API for conditions no public API can set
