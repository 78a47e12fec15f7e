"""The tables of the master data store, as SQLAlchemy Core metadata.

Every statement the store runs is built from these objects with bound
parameters; no value is ever pasted into SQL text.

Tables
------
``schema_version``     one row per applied migration
``meta``               the model, blocking settings and source settings in use (JSON)
``batches``            one row per write operation (ingest, forget, steward decision, unmerge)
``records``            source records: raw row, normalised row, extra columns (JSON), content hash
``record_keys``        lookup keys of records (phone, email, name key, birth date)
``crosswalk``          record -> current customer id
``customers``          every customer id ever issued: status, current golden record (JSON)
``lineage``            which source record each golden value came from
``match_decisions``    candidate pairs: levels per comparison, weight, whether linked, when, why
``history``            append-only events (created, attached, detached, merged, split, ...)
``steward_decisions``  must-link / cannot-link between two records, by (source, record_id)
``redirects``          merged customer id -> the id that absorbed it
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("batch", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Column("summary", Text, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("pk", BigInteger, primary_key=True, autoincrement=False),
    Column("source", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("raw", Text, nullable=False),
    Column("normalised", Text, nullable=False),
    Column("extras", Text, nullable=False),
    Column("first_batch", Integer, nullable=False),
    Column("changed_batch", Integer, nullable=False),
    UniqueConstraint("source", "record_id", name="uq_records_source_record_id"),
)

record_keys = Table(
    "record_keys",
    metadata,
    Column("record_pk", BigInteger, ForeignKey("records.pk"), nullable=False),
    Column("key", String(16), nullable=False),
    Column("value", Text, nullable=False),
    Index("ix_record_keys_key_value", "key", "value"),
    Index("ix_record_keys_record_pk", "record_pk"),
)

crosswalk = Table(
    "crosswalk",
    metadata,
    Column("record_pk", BigInteger, ForeignKey("records.pk"), primary_key=True),
    Column("customer_id", String(32), nullable=False, index=True),
    Column("batch", Integer, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(32), primary_key=True),
    #: active | merged (see redirects) | retired (no record left)
    Column("status", String(16), nullable=False),
    Column("created_batch", Integer, nullable=False),
    Column("updated_batch", Integer, nullable=False),
    Column("n_records", Integer, nullable=False),
    Column("golden", Text, nullable=True),
)

lineage = Table(
    "lineage",
    metadata,
    Column("customer_id", String(32), nullable=False, index=True),
    Column("attribute", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Index("ix_lineage_source_record", "source", "record_id"),
)

match_decisions = Table(
    "match_decisions",
    metadata,
    Column("left_pk", BigInteger, primary_key=True, autoincrement=False),
    Column("right_pk", BigInteger, primary_key=True, autoincrement=False),
    #: the level vector packed as one integer (see scoring.fellegi_sunter.encode_patterns)
    Column("pattern", BigInteger, nullable=False),
    Column("levels", Text, nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("match_probability", Float, nullable=False),
    Column("linked", Boolean, nullable=False),
    Column("batch", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_match_decisions_right", "right_pk"),
)

history = Table(
    "history",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("batch", Integer, nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("customer_id", String(32), nullable=True, index=True),
    Column("source", Text, nullable=True),
    Column("record_id", Text, nullable=True),
    Column("attribute", Text, nullable=True),
    Column("value", Text, nullable=True),
    Column("value_source", Text, nullable=True),
    Column("value_record_id", Text, nullable=True),
    Column("other_customer_id", String(32), nullable=True),
    Index("ix_history_value_record", "value_source", "value_record_id"),
)

steward_decisions = Table(
    "steward_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("left_source", Text, nullable=False),
    Column("left_record_id", Text, nullable=False),
    Column("right_source", Text, nullable=False),
    Column("right_record_id", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("batch", Integer, nullable=False),
)

redirects = Table(
    "redirects",
    metadata,
    Column("from_id", String(32), primary_key=True),
    Column("to_id", String(32), nullable=False, index=True),
    Column("batch", Integer, nullable=False),
)
