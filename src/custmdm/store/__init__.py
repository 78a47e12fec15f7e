"""The master data store: persistent golden records, incremental resolution, history.

>>> from custmdm.store import Store
>>> store = Store("customers.db")  # doctest: +SKIP

See ``docs/store.md`` for how it works, the id rules, the schema and migrations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from custmdm.store.store import IngestReport, Store

__all__ = ["IngestReport", "Store"]


def __getattr__(name: str) -> Any:
    # SQLAlchemy loads only when the store is used: the command line registers the store's
    # subcommands (custmdm.store.cli) on every run, `custmdm resolve` included
    if name in __all__:
        from custmdm.store import store

        return getattr(store, name)
    msg = f"module 'custmdm.store' has no attribute {name!r}"
    raise AttributeError(msg)
