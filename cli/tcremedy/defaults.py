"""Defaults shared by the client side and the local Tencent Cloud (the embedded emulator).

A neutral module: the cloud client and the emulator both import it, neither imports the other.
The local credentials are for the loopback emulator only; they are not secrets. Real Tencent Cloud
credentials are never defaulted.
"""

LOCAL_SECRET_ID = "AKIDtcremedyLOCAL0000000000000000000"
LOCAL_SECRET_KEY = "tcremedy-local-emulator-secret-key"
DEFAULT_REGION = "ap-guangzhou"
