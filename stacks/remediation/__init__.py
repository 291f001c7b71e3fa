"""The remediation Pulumi program: one program interface, two resource backends.

``program.build_program(resources, backend)`` declares tcremedy's fixes through either
``provider_backend.TencentCloudProviderBackend`` (pulumi-tencentcloud resources; the production
path) or ``dynamic_backend.SdkDynamicBackend`` (Pulumi dynamic providers over
tencentcloud-sdk-python; used when the tencentcloud plugin is not available).
"""
