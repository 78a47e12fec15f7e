"""The master data store: persistent golden records, incremental resolution, history.

>>> from custmdm.store import Store
>>> store = Store("customers.db")  # doctest: +SKIP

See ``docs/store.md`` for how it works, the id rules, the schema and migrations.
"""

from __future__ import annotations

from custmdm.store.store import IngestReport, Store

__all__ = ["IngestReport", "Store"]
