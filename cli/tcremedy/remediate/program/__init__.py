"""The remediation Pulumi program: one program interface, two resource backends.

``declare.build_program(resources, backend, limits)`` declares tcremedy's fixes through either
``provider_backend.TencentCloudProviderBackend`` (pulumi-tencentcloud resources; the production
path) or ``dynamic_backend.SdkDynamicBackend`` (Pulumi dynamic providers over
tencentcloud-sdk-python; used when the tencentcloud plugin is not available).

It lives inside the package so an installed tcremedy finds it; ``stacks/remediation/`` (named by
``Pulumi.yaml``) is only the entry point of a plain ``pulumi up``. Importing this package imports
nothing heavy: take the modules you need.
"""
