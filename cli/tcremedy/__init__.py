"""tcremedy: diagnose and repair RDP reachability of Windows CVMs on Tencent Cloud."""

__version__ = "0.1.0"
