"""Cloud Monitor 2018-07-24: GetMonitorData for QCE/CVM, computed from each instance's load model."""
