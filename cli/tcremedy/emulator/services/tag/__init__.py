"""Tag 2018-08-13: DescribeResourceTagsByResourceIds for CVM instance tags."""
