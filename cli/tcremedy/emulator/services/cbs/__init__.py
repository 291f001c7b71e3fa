"""CBS 2017-03-12: DescribeDisks for the instances' system disks."""
