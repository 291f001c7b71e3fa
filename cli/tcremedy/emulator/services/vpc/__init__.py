"""VPC 2017-03-12: VPCs, subnets, security groups and their policies, network ACLs, address templates."""
