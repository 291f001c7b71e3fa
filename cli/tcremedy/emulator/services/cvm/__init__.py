"""CVM 2017-03-12: instances, images, lifecycle; the guest and load models of an instance."""
