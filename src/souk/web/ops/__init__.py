"""The operations console for platform staff, under /ops."""
