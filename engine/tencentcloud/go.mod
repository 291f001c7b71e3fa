// Wrapper module that builds the pulumi-resource-tencentcloud plugin (v0.2.3) from Go module sources.
// Kept apart from the CLI module so that minimal version selection does not move the bridge's pulumi/pkg.
module local.invalid/tencentcloud-provider

go 1.24.7

require github.com/tencentcloudstack/pulumi-tencentcloud/provider v0.0.0-20251211013239-a8c3ff6da9f3

replace github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 v2.0.0-20250923233607-7f1981c8674a

tool github.com/tencentcloudstack/pulumi-tencentcloud/provider/cmd/pulumi-resource-tencentcloud
