"""A stand-in for the ``pulumi-resource-tencentcloud`` plugin (pulumi-tencentcloud 0.2.3), for tests.

The real plugin (terraform-provider-tencentcloud v1.82.42 bridged by pulumi-terraform-bridge
v3.118.0) cannot be built here (the Go module proxy refuses the provider's modules). This package
serves the same gRPC resource-provider protocol (``pulumi.provider.experimental``) for exactly the
resource types tcremedy declares, so the real engine runs the real ``tencentcloud_iac_pulumi`` SDK
and tcremedy's real provider program against the local cloud. Each behaviour is written from the
provider's source at tag v1.82.42 (read, not copied) and names the file it follows; paths are
relative to ``tencentcloud/`` in github.com/tencentcloudstack/terraform-provider-tencentcloud.

* ``config``: the provider configuration (``provider.go``) and the SDK clients it makes;
* ``schema``: per resource type, its fields: Required, ForceNew, Default, Computed;
* ``provider``: Check / Diff / Create / Read / Update / Delete as the bridge answers them;
* ``vpc``, ``cvm``, ``tat``: the API calls each resource's Create / Read / Update / Delete makes.

``tests/standin/bin/pulumi-resource-tencentcloud`` starts it; a test puts that directory on PATH
(the engine and ``tcremedy apply`` look for the plugin there first). The day the real plugin is
built, the same tests run with it instead (drop the PATH entry).
"""

VERSION = "0.2.3"  # what tencentcloud_iac_pulumi 0.2.3 asks the engine for
