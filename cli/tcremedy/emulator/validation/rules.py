"""What the SDK models do not say: required members and documented limits, per action.

Sources: the API reference pages (cloud.tencent.com/document/api/<product>/<id>, "必选" column and
parameter text) as captured in /work/shared/reference/tencent-api-fields.md (tccli api.json
``required`` flags, HEAD 6e53beb) and tencent-api.md / provider-facts.md; pages read through the
search tool are cited inline. A path names a member inside a structure: ``Set.Ingress.Action``.
"""

from __future__ import annotations

# (service, action) -> required members (top level, or dotted paths inside each list element/object)
REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    # cvm (tencent-api-fields.md: StartInstances ... InquiryPriceResetInstancesInternetMaxBandwidth)
    ("cvm", "StartInstances"): ("InstanceIds",),
    ("cvm", "StopInstances"): ("InstanceIds",),
    ("cvm", "RebootInstances"): ("InstanceIds",),
    ("cvm", "TerminateInstances"): ("InstanceIds",),  # https://cloud.tencent.com/document/api/213/15723
    ("cvm", "ResetInstancesInternetMaxBandwidth"): ("InstanceIds", "InternetAccessible"),
    ("cvm", "InquiryPriceResetInstancesInternetMaxBandwidth"): ("InstanceIds", "InternetAccessible"),
    ("cvm", "ResetInstancesPassword"): ("InstanceIds", "Password"),
    ("cvm", "DescribeInstanceVncUrl"): ("InstanceId",),
    ("cvm", "ModifyInstancesAttribute"): ("InstanceIds",),  # https://cloud.tencent.com/document/api/213/15739
    ("cvm", "AssociateSecurityGroups"): ("SecurityGroupIds", "InstanceIds"),  # .../api/213/35918
    ("cvm", "DisassociateSecurityGroups"): ("SecurityGroupIds", "InstanceIds"),  # .../api/213/35917
    # vpc (tencent-api-fields.md for the security-group policy actions)
    ("vpc", "DescribeSecurityGroupPolicies"): ("SecurityGroupId",),
    ("vpc", "CreateSecurityGroupPolicies"): ("SecurityGroupId", "SecurityGroupPolicySet"),
    ("vpc", "DeleteSecurityGroupPolicies"): ("SecurityGroupId", "SecurityGroupPolicySet"),
    ("vpc", "ReplaceSecurityGroupPolicy"): ("SecurityGroupId", "SecurityGroupPolicySet"),
    ("vpc", "ModifySecurityGroupPolicies"): ("SecurityGroupId", "SecurityGroupPolicySet"),
    ("vpc", "DeleteSecurityGroup"): ("SecurityGroupId",),
    ("vpc", "ModifySecurityGroupAttribute"): ("SecurityGroupId",),
    # network ACLs: https://cloud.tencent.com/document/api/215/77636 (CreateNetworkAclQuintupleEntries),
    # .../product/215/77633 (Modify...), tencentcloud.com/document/api/215/49660 (Delete...), 215/49659
    # (DescribeNetworkAclQuintupleEntries), .../api/215/97652 (CreateNetworkAclEntries)
    ("vpc", "CreateNetworkAclQuintupleEntries"): ("NetworkAclId", "NetworkAclQuintupleSet"),
    ("vpc", "ModifyNetworkAclQuintupleEntries"): ("NetworkAclId", "NetworkAclQuintupleSet"),
    ("vpc", "DeleteNetworkAclQuintupleEntries"): ("NetworkAclId", "NetworkAclQuintupleSet"),
    ("vpc", "DescribeNetworkAclQuintupleEntries"): ("NetworkAclId",),
    ("vpc", "CreateNetworkAclEntries"): ("NetworkAclId", "NetworkAclEntrySet"),
    ("vpc", "ModifyNetworkAclEntries"): ("NetworkAclId",),
    ("vpc", "DeleteNetworkAcl"): ("NetworkAclId",),
    ("vpc", "AssociateNetworkAclSubnets"): ("NetworkAclId", "SubnetIds"),
    ("vpc", "DisassociateNetworkAclSubnets"): ("NetworkAclId", "SubnetIds"),
    # templates: https://cloud.tencent.com/document/api/215/16710 (CreateServiceTemplate: name 必选)
    ("vpc", "CreateServiceTemplate"): ("ServiceTemplateName",),
    ("vpc", "CreateServiceTemplateGroup"): ("ServiceTemplateGroupName", "ServiceTemplateIds"),
    ("vpc", "CreateAddressTemplate"): ("AddressTemplateName",),
    ("vpc", "CreateAddressTemplateGroup"): ("AddressTemplateGroupName", "AddressTemplateIds"),
    # monitor / tat (tencent-api-fields.md)
    ("monitor", "GetMonitorData"): ("Namespace", "MetricName", "Instances"),
    ("tat", "RunCommand"): ("Content", "InstanceIds"),
}

# (service, action) -> {member: maximum number of list items} (InvalidParameterValue.LimitExceeded)
MAX_ITEMS: dict[tuple[str, str], dict[str, int]] = {
    # "每次请求的实例的上限为100" (DescribeInstances / Start / Stop / Reboot InstanceIds, API reference)
    ("cvm", "DescribeInstances"): {"InstanceIds": 100},
    ("cvm", "DescribeInstancesStatus"): {"InstanceIds": 100},
    ("cvm", "StartInstances"): {"InstanceIds": 100},
    ("cvm", "StopInstances"): {"InstanceIds": 100},
    ("cvm", "RebootInstances"): {"InstanceIds": 100},
    ("cvm", "TerminateInstances"): {"InstanceIds": 100},
    ("cvm", "ResetInstancesPassword"): {"InstanceIds": 100},
    # provider-facts.md: RunCommand <= 200 instance ids (GetMonitorData's 50 instances: the handler
    # answers its own documented code, LimitExceeded.LimitedAccess)
    ("tat", "RunCommand"): {"InstanceIds": 200},
    ("tat", "DescribeInvocationTasks"): {"InvocationTaskIds": 100},
}

# (service, action) -> {member: (minimum, maximum)} for integer members (LimitExceeded above the max)
RANGES: dict[tuple[str, str], dict[str, tuple[int, int]]] = {
    ("cvm", "DescribeInstances"): {"Limit": (0, 100), "Offset": (0, 2**31 - 1)},
    ("cvm", "DescribeInstancesStatus"): {"Limit": (0, 100), "Offset": (0, 2**31 - 1)},
    # SDK DescribeNetworkAclQuintupleEntriesRequest docstring: "默认为20，最小值为1，最大值为100"
    ("vpc", "DescribeNetworkAclQuintupleEntries"): {"Limit": (1, 100), "Offset": (0, 2**31 - 1)},
    ("vpc", "DescribeNetworkAcls"): {"Limit": (0, 100), "Offset": (0, 2**31 - 1)},
    # tencent-api.md / provider-facts.md: TAT Timeout 1-86400 s, DescribeInvocationTasks Limit 100
    ("tat", "RunCommand"): {"Timeout": (1, 86400)},
    ("tat", "DescribeInvocationTasks"): {"Limit": (0, 100)},
    ("tat", "DescribeInvocations"): {"Limit": (0, 100)},
    ("tat", "DescribeAutomationAgentStatus"): {"Limit": (0, 100)},
}
