"""Connections to the store's database: SQLite by default, PostgreSQL in production.

Writers are serialised so that two at once lose no update: on SQLite every write
transaction starts with ``BEGIN IMMEDIATE`` (the second writer waits for the
first); on PostgreSQL it takes a transaction-scoped advisory lock. Each write
operation reads the state it decides on inside that same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from custmdm.exceptions import StoreError

#: Key of the PostgreSQL advisory lock held by a writing transaction.
WRITE_LOCK_KEY = 0x637573746D646D  # "custmdm"

SQLITE_BUSY_TIMEOUT_S = 120


def store_url(url: str | Path) -> str:
    """A SQLAlchemy URL; a plain path means a SQLite file."""
    text = str(url)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser()}"
    return text


def make_engine(url: str | Path) -> Engine:
    """An engine for the store at ``url`` with the write-serialising hooks installed."""
    text = store_url(url)
    try:
        parsed = make_url(text)
    except ArgumentError:
        msg = "the store URL is not a valid SQLAlchemy URL (e.g. sqlite:///store.db)"
        raise StoreError(msg) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            # we issue BEGIN ourselves (below); the driver must not
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            # deleted content is overwritten, so forgotten values leave no bytes behind
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA foreign_keys=ON")
            # lookups read pages through a memory map instead of a read() per page
            cur.execute("PRAGMA mmap_size=1073741824")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("custmdm_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    msg = f"unsupported store backend {backend!r}; use sqlite:///FILE or postgresql+psycopg://..."
    raise StoreError(msg)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One serialised write transaction: commit on success, roll back on any error."""
    with engine.connect() as conn:
        conn.execution_options(custmdm_write=True)
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction (a consistent snapshot on SQLite WAL and PostgreSQL)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
