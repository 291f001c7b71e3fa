"""VPC 2017-03-12 handlers: wire parameters -> model calls -> response bodies (without RequestId).

Importing this package registers every handler (``load_services`` imports it).
"""

from tcremedy.emulator.services.vpc.responses import (  # noqa: F401  (imported to register handlers)
    acls,
    networks,
    security_groups,
    templates,
)
