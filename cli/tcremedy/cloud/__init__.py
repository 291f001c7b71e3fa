"""Reading the cloud: SDK clients, credentials, collectors producing a LiveState."""
