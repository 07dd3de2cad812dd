"""souk: an open-source, multi-seller marketplace."""

__version__ = "0.1.0"
