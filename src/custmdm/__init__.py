"""custmdm: customer identity resolution and master data management."""

from custmdm._version import __version__

__all__ = ["__version__"]
