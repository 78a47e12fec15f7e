"""The one exception tree of custmdm.

::

    CustmdmError
    ├── ConfigError(ValueError)        a config file or object is wrong
    ├── SchemaError(ValueError)        a source table does not fit its mapping
    ├── SourceError(ValueError)        a source cannot be read (missing file, bad format)
    ├── BlockingError(RuntimeError)    a blocking rule would build too many pairs
    ├── NotFittedError(AttributeError) a model is used before it was fitted
    └── StoreError(RuntimeError)       the master data store refused an operation

Messages never carry personal values: they name the source, the record id,
the field and the rule, never the name, phone, email or address itself.
"""

from __future__ import annotations


class CustmdmError(Exception):
    """Base class of every error raised by custmdm."""


class ConfigError(CustmdmError, ValueError):
    """A configuration file or object is invalid."""


class SchemaError(CustmdmError, ValueError):
    """A source table does not match its declared mapping."""


class SourceError(CustmdmError, ValueError):
    """A source cannot be read."""


class BlockingError(CustmdmError, RuntimeError):
    """A blocking rule would produce more candidate pairs than allowed."""


class NotFittedError(CustmdmError, AttributeError):
    """A model was used before it was fitted."""


class StoreError(CustmdmError, RuntimeError):
    """The master data store refused an operation."""
