"""The local Tencent Cloud: an API 3.0 emulator for the demo and the tests."""
