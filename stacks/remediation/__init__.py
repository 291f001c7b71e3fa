"""Entry point of a plain ``pulumi up`` (``Pulumi.yaml`` names this directory); the program itself is
``tcremedy.remediate.program`` inside the installed package."""
