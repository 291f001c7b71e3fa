// A client of the local Tencent Cloud built on tencentcloud-sdk-go's common package, the SDK layer
// the pulumi-tencentcloud provider (via terraform-provider-tencentcloud) signs and sends with.
module local.invalid/tcremedy-gosdk-client

go 1.24

require github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.210
