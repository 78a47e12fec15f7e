"""Versioned schema migrations: a small runner of our own.

Each migration is a numbered function that takes a SQLAlchemy connection inside
the write transaction. ``schema_version`` records every applied version. Opening
a store applies the missing migrations in order, all in one transaction, so a
store is never left half-migrated. A store written by a newer custmdm (a version
above the highest known here) is refused rather than misread.

To change the schema: append ``(N + 1, "what changes", function)`` to
:data:`MIGRATIONS`; never edit an applied migration.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select

from custmdm.exceptions import StoreError
from custmdm.store import schema as s

Migration = tuple[int, str, Callable[[Connection], None]]


def _v1_initial(conn: Connection) -> None:
    tables = [t for t in s.metadata.sorted_tables if t.name != "schema_version"]
    s.metadata.create_all(conn, tables=tables)


MIGRATIONS: list[Migration] = [
    (1, "initial schema: records, customers, crosswalk, lineage, decisions, history", _v1_initial),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    """The highest applied migration, 0 for an empty database."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    value = conn.execute(
        select(s.schema_version.c.version).order_by(s.schema_version.c.version.desc())
    ).scalar()
    return int(value or 0)


def migrate(conn: Connection) -> list[int]:
    """Apply every missing migration (call inside the write transaction); the versions applied."""
    s.schema_version.create(conn, checkfirst=True)
    have = current_version(conn)
    if have > LATEST_VERSION:
        msg = (
            f"the store has schema version {have}, newer than this custmdm knows "
            f"({LATEST_VERSION}); upgrade custmdm"
        )
        raise StoreError(msg)
    applied = []
    for version, description, run in MIGRATIONS:
        if version <= have:
            continue
        run(conn)
        conn.execute(
            s.schema_version.insert().values(
                version=version,
                description=description,
                applied_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        applied.append(version)
    return applied
