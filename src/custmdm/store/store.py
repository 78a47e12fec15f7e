"""The master data store: persistent golden records, incremental resolution, history.

Every write operation (ingest, forget, a steward decision, unmerge) is one
serialised transaction that reads the stored state, re-derives the partition of
all records with the batch pipeline's own stages and writes the difference:

* candidate pairs come from :class:`~custmdm.blocking.rules.Blocker` over all
  stored records, with generic values counted over all of them; the levels of a
  pair between two unchanged records are reused from ``match_decisions``, every
  other pair is compared by :class:`~custmdm.matchers.base.LevelEvaluator`;
* weights are the model's, plus term-frequency adjustments from the value counts
  of all stored records (so a batch that changes how common a name is re-weights
  the stored pairs exactly as a batch resolve of everything would);
* clusters come from :func:`~custmdm.clustering.components.cluster`, then steward
  cannot-links split what they forbid and must-links join what they demand;
* ids are kept stable by :func:`~custmdm.store.incremental.assign_ids`, and golden
  records are rebuilt by :func:`~custmdm.merge.golden.build_golden` only for the
  customers the batch touched.

With no steward decisions the partition is exactly the one a batch resolve of
all stored records with the same model gives.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from custmdm.blocking.rules import IDENTIFIER_KEYS, Blocker, default_blocking_rules, generic_values
from custmdm.clustering.components import cluster
from custmdm.config import BlockingRule, ResolverConfig, SourceConfig, load_config, parse_config
from custmdm.csvfile import write_csv
from custmdm.exceptions import ConfigError, StoreError
from custmdm.matchers.base import LevelEvaluator
from custmdm.merge.golden import build_golden, customer_id_for
from custmdm.pipeline import Resolver, strong_disagreement
from custmdm.prepare import prepare
from custmdm.schema import CROSSWALK_COLUMNS, LINEAGE_COLUMNS
from custmdm.scoring.fellegi_sunter import (
    FellegiSunterModel,
    decode_patterns,
    encode_patterns,
    probability,
)
from custmdm.sources import TableLike, load_source
from custmdm.store import schema as s
from custmdm.store.engine import make_engine, read_transaction, store_url, write_transaction
from custmdm.store.incremental import assign_ids, enforce_cannot_links
from custmdm.store.migrations import migrate

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]

#: Weight (bits) given to a steward's must-link edge: above any computed weight.
MUST_LINK_WEIGHT = 1000.0

#: Lookup keys kept per record: key name -> prepared column ('|'-joined lists are split).
LOOKUP_KEYS: dict[str, str] = {
    "phone": "phones",
    "email": "emails",
    "name": "name_pair_key",
    "birth_date": "birth_date",
}

#: Rows per statement when a list of values is bound into IN (...).
_IN_CHUNK = 500

_LEVEL_CHUNK = 500_000


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _clean(value: Any) -> Any:
    """A JSON-safe scalar: numpy scalars to Python, NaN/NA to None."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _chunks(seq: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def record_label(source: str, record_id: str) -> str:
    """How messages name a record: ``record billing:ACC0000042`` (never its values)."""
    return f"record {source}:{record_id}"


# -- results -----------------------------------------------------------------------------


@dataclass
class IngestReport:
    """What one write operation did."""

    batch: int | None
    records_new: int = 0
    records_changed: int = 0
    records_unchanged: int = 0
    customers_created: int = 0
    customers_updated: int = 0
    customers_merged: int = 0
    customers_split: int = 0
    customers_retired: int = 0
    pairs_compared: int = 0
    pairs_reused: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return self.batch is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Incoming:
    source: str
    record_id: str
    normalised: dict[str, Any]
    extras: dict[str, Any]
    raw: dict[str, Any]
    content_hash: str


@dataclass
class _Row:
    """One record in the working set of a write operation."""

    pk: int
    source: str
    record_id: str
    normalised: dict[str, Any]
    extras: dict[str, Any]
    old_customer: str | None
    dirty: bool


@dataclass
class _State:
    rows: list[_Row]
    index: dict[tuple[str, str], int]
    hashes: dict[int, str]
    customers: dict[str, tuple[str, int]]  # id -> (status, created_batch)
    pairs: pd.DataFrame  # left_pk, right_pk, pattern, linked
    steward: list[dict[str, Any]]
    meta: dict[str, str]
    max_pk: int
    max_batch: int
    max_seq: int


@dataclass
class _Plan:
    """Everything a write operation will write, decided before writing."""

    batch: int
    at: datetime
    kind: str
    report: IngestReport
    new_records: list[dict[str, Any]] = field(default_factory=list)
    changed_records: list[dict[str, Any]] = field(default_factory=list)
    key_pks: list[int] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)
    crosswalk_insert: list[dict[str, Any]] = field(default_factory=list)
    crosswalk_update: list[dict[str, Any]] = field(default_factory=list)
    customers_insert: list[dict[str, Any]] = field(default_factory=list)
    customers_update: list[dict[str, Any]] = field(default_factory=list)
    lineage_delete: list[str] = field(default_factory=list)
    lineage_insert: list[dict[str, Any]] = field(default_factory=list)
    pairs_delete: list[dict[str, Any]] = field(default_factory=list)
    pairs_insert: list[dict[str, Any]] = field(default_factory=list)
    pairs_relink: list[dict[str, Any]] = field(default_factory=list)
    redirects_insert: list[dict[str, Any]] = field(default_factory=list)
    redirects_retarget: list[dict[str, Any]] = field(default_factory=list)
    redirects_delete: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


# -- the store ---------------------------------------------------------------------------


class Store:
    """A master data store in a SQLite file or a PostgreSQL database.

    Parameters
    ----------
    url
        A SQLAlchemy URL (``sqlite:///customers.db``,
        ``postgresql+psycopg://user@host/db``) or a path to a SQLite file.

    Examples
    --------
    >>> from custmdm.store import Store
    >>> store = Store("customers.db")  # doctest: +SKIP
    >>> store.ingest("config.yaml", model="model.json")  # doctest: +SKIP
    >>> store.lookup(phone="8 916 123-45-67")[0]["customer_id"]  # doctest: +SKIP
    'C1F0A…'
    """

    def __init__(self, url: str | Path = "custmdm.sqlite") -> None:
        self.url = store_url(url)
        self.engine = make_engine(self.url)
        with write_transaction(self.engine) as conn:
            migrate(conn)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- ingest --------------------------------------------------------------------------

    def ingest(
        self,
        config: ResolverConfig | str | Path | dict[str, Any],
        tables: dict[str, TableLike] | None = None,
        *,
        model: FellegiSunterModel | str | Path | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Add or update the records of the config's sources, in one transaction.

        With ``tables``, only the sources named there are read (from the tables).
        ``model`` is used and kept by the store; without it the store's model is
        used, and an empty store trains one on this batch (as a batch resolve would).
        Re-ingesting identical data changes nothing and returns ``changed == False``.
        """
        start = time.perf_counter()
        cfg = _as_config(config)
        if tables is not None:
            names = {src.name for src in cfg.sources}
            unknown = sorted(set(tables) - names)
            if unknown:
                msg = f"tables given for source(s) not in the config: {unknown}"
                raise ConfigError(msg)
            cfg_batch = cfg.model_copy(
                update={"sources": [src for src in cfg.sources if src.name in tables]}
            )
        else:
            cfg_batch = cfg
        fitted = _as_model(model)
        incoming = _incoming_records(cfg_batch, tables)
        if fitted is None and self._meta_value("model") is None:
            log.info("store: no model yet; training one on this batch")
            fitted = Resolver(cfg_batch).run(tables).model
        with write_transaction(self.engine) as conn:
            state = self._load(conn)
            stored_cfg = _stored_config(state.meta)
            merged_cfg = _merge_configs(stored_cfg, cfg)
            use_model = fitted or _stored_model(state.meta)
            assert use_model is not None
            report = IngestReport(batch=None)
            for rec in incoming:
                pos = state.index.get((rec.source, rec.record_id))
                if pos is None:
                    state.max_pk += 1
                    row = _Row(
                        state.max_pk,
                        rec.source,
                        rec.record_id,
                        rec.normalised,
                        rec.extras,
                        None,
                        True,
                    )
                    state.index[(rec.source, rec.record_id)] = len(state.rows)
                    state.rows.append(row)
                    report.records_new += 1
                elif state.hashes[state.rows[pos].pk] != rec.content_hash:
                    row = state.rows[pos]
                    row.normalised, row.extras, row.dirty = rec.normalised, rec.extras, True
                    report.records_changed += 1
                else:
                    report.records_unchanged += 1
            meta = _meta_for(merged_cfg, use_model)
            settings_changed = any(state.meta.get(k) != v for k, v in meta.items())
            if not report.records_new and not report.records_changed and not settings_changed:
                report.seconds = round(time.perf_counter() - start, 3)
                return report
            plan = self._plan(
                conn,
                state,
                merged_cfg,
                use_model,
                kind="ingest",
                report=report,
                recompute_all=state.meta.get("comparisons") != meta["comparisons"],
            )
            plan.meta = meta
            by_pk = {r.pk: r for r in state.rows}
            incoming_by_key = {(r.source, r.record_id): r for r in incoming}
            for row in state.rows:
                if not row.dirty:
                    continue
                rec = incoming_by_key[(row.source, row.record_id)]
                values = {
                    "pk": row.pk,
                    "source": row.source,
                    "record_id": row.record_id,
                    "content_hash": rec.content_hash,
                    "raw": _dumps(rec.raw),
                    "normalised": _dumps(rec.normalised),
                    "extras": _dumps(rec.extras),
                    "first_batch": plan.batch,
                    "changed_batch": plan.batch,
                }
                if row.pk in state.hashes:
                    del values["first_batch"]
                    plan.changed_records.append(values)
                    plan.events.append(
                        _event(plan, "record_updated", by_pk[row.pk].old_customer, row)
                    )
                else:
                    plan.new_records.append(values)
            self._write_plan(conn, plan, progress)
            report.seconds = round(time.perf_counter() - start, 3)
            log.info(
                "store: batch %d: %d new, %d changed, %d unchanged records; %d customers created, "
                "%d updated, %d merged",
                plan.batch,
                report.records_new,
                report.records_changed,
                report.records_unchanged,
                report.customers_created,
                report.customers_updated,
                report.customers_merged,
            )
            return report

    # -- steward decisions, unmerge, forget --------------------------------------------

    def must_link(
        self, left: tuple[str, str], right: tuple[str, str], *, reason: str = ""
    ) -> IngestReport:
        """A steward's decision that two records are the same customer; kept for every later ingest."""
        return self._steward("must_link", [(left, right)], reason)

    def cannot_link(
        self, left: tuple[str, str], right: tuple[str, str], *, reason: str = ""
    ) -> IngestReport:
        """A steward's decision that two records are different customers; kept for every later ingest."""
        return self._steward("cannot_link", [(left, right)], reason)

    def _steward(
        self,
        kind: str,
        pairs: list[tuple[tuple[str, str], tuple[str, str]]],
        reason: str,
        *,
        preferred: dict[tuple[str, str], str] | None = None,
        op: str = "steward",
    ) -> IngestReport:
        with write_transaction(self.engine) as conn:
            state = self._load(conn)
            cfg, model = self._require_settings(state)
            for left, right in pairs:
                for src, rid in (left, right):
                    if (src, rid) not in state.index:
                        msg = f"{record_label(src, rid)} is not in the store"
                        raise StoreError(msg)
            next_id = int(conn.execute(select(func.max(s.steward_decisions.c.id))).scalar() or 0)
            decisions = []
            for k, (left, right) in enumerate(pairs):
                decisions.append(
                    {
                        "id": next_id + k + 1,
                        "kind": kind,
                        "left_source": left[0],
                        "left_record_id": left[1],
                        "right_source": right[0],
                        "right_record_id": right[1],
                        "reason": reason,
                        "batch": state.max_batch + 1,
                    }
                )
            state.steward.extend(decisions)
            pref_rows = {
                state.index[key]: cid
                for key, cid in (preferred or {}).items()
                if key in state.index
            }
            plan = self._plan(
                conn,
                state,
                cfg,
                model,
                kind=op,
                report=IngestReport(batch=None),
                preferred_rows=pref_rows,
            )
            if decisions:
                conn.execute(insert(s.steward_decisions), decisions)
            self._write_plan(conn, plan, None)
            return plan.report

    def unmerge(self, customer_id: str) -> IngestReport:
        """Undo the merge of ``customer_id`` into another customer.

        The records the customer held just before it was merged get cannot-links
        against the rest of the survivor, and the merged id becomes theirs again.
        """
        with read_transaction(self.engine) as conn:
            row = conn.execute(
                select(s.customers.c.status).where(s.customers.c.customer_id == customer_id)
            ).first()
            if row is None:
                msg = f"customer {customer_id} is not in the store"
                raise StoreError(msg)
            if row.status != "merged":
                msg = f"customer {customer_id} was not merged into another customer (status {row.status})"
                raise StoreError(msg)
            merge_batch = conn.execute(
                select(func.max(s.history.c.batch)).where(
                    s.history.c.customer_id == customer_id, s.history.c.kind == "merged_into"
                )
            ).scalar()
            members = self._members_before(conn, customer_id, int(merge_batch or 0))
            survivor = self._resolve_id(conn, customer_id)
            current = set(self._records_of(conn, survivor))
        own = sorted(m for m in members if m in current)
        rest = sorted(current - set(own))
        if not own:
            msg = f"customer {customer_id}: none of its records is left to unmerge"
            raise StoreError(msg)
        pairs = [(a, b) for a in own for b in rest]
        return self._steward(
            "cannot_link",
            pairs,
            f"unmerge {customer_id}",
            preferred={own[0]: customer_id},
            op="unmerge",
        )

    def forget(self, source: str, record_id: str, *, vacuum: bool = True) -> IngestReport:
        """Erase a record: its values, keys, pairs and history values; golden records recomputed.

        Events keep that the record existed and was forgotten (source and record id
        only). With ``vacuum`` the database is compacted afterwards so the freed
        pages leave the file (SQLite also overwrites deleted content).
        """
        with write_transaction(self.engine) as conn:
            state = self._load(conn)
            cfg, model = self._require_settings(state)
            pos = state.index.get((source, record_id))
            if pos is None:
                msg = f"{record_label(source, record_id)} is not in the store"
                raise StoreError(msg)
            gone = state.rows.pop(pos)
            state.index = {(r.source, r.record_id): k for k, r in enumerate(state.rows)}
            state.steward = [
                d
                for d in state.steward
                if (d["left_source"], d["left_record_id"]) != (source, record_id)
                and (d["right_source"], d["right_record_id"]) != (source, record_id)
            ]
            state.pairs = state.pairs[
                (state.pairs["left_pk"] != gone.pk) & (state.pairs["right_pk"] != gone.pk)
            ]
            touched = {gone.old_customer} if gone.old_customer else set()
            plan = self._plan(
                conn,
                state,
                cfg,
                model,
                kind="forget",
                report=IngestReport(batch=None),
                touched=touched,
            )
            plan.events.append(_event(plan, "record_forgotten", gone.old_customer, gone))
            pk = gone.pk
            self._write_plan(conn, plan, None)
            conn.execute(
                update(s.history)
                .where(s.history.c.value_source == source, s.history.c.value_record_id == record_id)
                .values(value=None)
            )
            conn.execute(delete(s.record_keys).where(s.record_keys.c.record_pk == pk))
            conn.execute(delete(s.crosswalk).where(s.crosswalk.c.record_pk == pk))
            conn.execute(
                delete(s.match_decisions).where(
                    (s.match_decisions.c.left_pk == pk) | (s.match_decisions.c.right_pk == pk)
                )
            )
            conn.execute(
                delete(s.lineage).where(
                    s.lineage.c.source == source, s.lineage.c.record_id == record_id
                )
            )
            conn.execute(
                delete(s.steward_decisions).where(
                    (
                        (s.steward_decisions.c.left_source == source)
                        & (s.steward_decisions.c.left_record_id == record_id)
                    )
                    | (
                        (s.steward_decisions.c.right_source == source)
                        & (s.steward_decisions.c.right_record_id == record_id)
                    )
                )
            )
            conn.execute(delete(s.records).where(s.records.c.pk == pk))
        if vacuum:
            self.vacuum()
        return plan.report

    def vacuum(self) -> None:
        """Compact the database so deleted rows leave the file."""
        if self.dialect == "sqlite":
            raw = self.engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute("VACUUM")
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cur.close()
            finally:
                raw.close()
            return
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("records", "record_keys", "lineage", "history", "customers"):
                conn.exec_driver_sql(f"VACUUM {table}")  # fixed table names, no values

    # -- queries -------------------------------------------------------------------------

    def customer(self, customer_id: str, *, as_of: datetime | None = None) -> dict[str, Any]:
        """A customer's golden record with its records and lineage; follows redirects.

        With ``as_of`` (a UTC datetime), the customer as it was then, replayed from
        the history: its records and golden values at that time.
        """
        with read_transaction(self.engine) as conn:
            if as_of is not None:
                return self._customer_as_of(conn, customer_id, as_of)
            target = self._resolve_id(conn, customer_id)
            row = conn.execute(
                select(s.customers).where(s.customers.c.customer_id == target)
            ).first()
            assert row is not None
            lineage = [
                dict(r._mapping)
                for r in conn.execute(
                    select(*[s.lineage.c[c] for c in LINEAGE_COLUMNS])
                    .where(s.lineage.c.customer_id == target)
                    .order_by(
                        s.lineage.c.attribute,
                        s.lineage.c.value,
                        s.lineage.c.source,
                        s.lineage.c.record_id,
                    )
                )
            ]
            records = [{"source": a, "record_id": b} for a, b in self._records_of(conn, target)]
        return {
            "customer_id": target,
            "requested_id": customer_id,
            "status": row.status,
            "golden": json.loads(row.golden) if row.golden else None,
            "records": records,
            "lineage": lineage,
        }

    def history(self, customer_id: str) -> list[dict[str, Any]]:
        """The events of a customer and of the ids merged into it, oldest first."""
        with read_transaction(self.engine) as conn:
            ids = {customer_id}
            frontier = [customer_id]
            while frontier:
                found = (
                    conn.execute(
                        select(s.redirects.c.from_id).where(s.redirects.c.to_id.in_(frontier))
                    )
                    .scalars()
                    .all()
                )
                frontier = [f for f in found if f not in ids]
                ids.update(frontier)
            known = conn.execute(
                select(func.count())
                .select_from(s.customers)
                .where(s.customers.c.customer_id == customer_id)
            ).scalar()
            if not known:
                msg = f"customer {customer_id} is not in the store"
                raise StoreError(msg)
            rows = conn.execute(
                select(s.history)
                .where(s.history.c.customer_id.in_(sorted(ids)))
                .order_by(s.history.c.seq)
            ).all()
        return [dict(r._mapping) for r in rows]

    def lookup(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        name: str | None = None,
        birth_date: str | None = None,
        region: str = "RU",
        limit: int = 10,
    ) -> list[dict[str, Any]]:
        """Customers matching a phone / email / name / birth date, best first.

        The query is normalised by the same normalisers as the sources (the phone
        with ``region``) and scored against each candidate record with the store's
        model; a customer's score is that of its best record.
        """
        from custmdm.store.lookup import run_lookup

        return run_lookup(
            self,
            phone=phone,
            email=email,
            name=name,
            birth_date=birth_date,
            region=region,
            limit=limit,
        )

    def crosswalk(self) -> pd.DataFrame:
        """``source, record_id, customer_id`` for every record, sorted like a batch resolve."""
        with read_transaction(self.engine) as conn:
            rows = conn.execute(
                select(s.records.c.source, s.records.c.record_id, s.crosswalk.c.customer_id).join(
                    s.crosswalk, s.crosswalk.c.record_pk == s.records.c.pk
                )
            ).all()
        frame = pd.DataFrame(rows, columns=list(CROSSWALK_COLUMNS), dtype=object)
        order = sorted(range(len(frame)), key=lambda k: (frame.iat[k, 0], frame.iat[k, 1]))
        return frame.iloc[order].reset_index(drop=True)

    def export(self, out_dir: str | Path) -> Path:
        """Write ``crosswalk.csv``, ``golden.csv`` and ``lineage.csv`` as a batch resolve does."""
        with read_transaction(self.engine) as conn:
            state = self._load(conn)
            cfg = _stored_config(state.meta)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        if not state.rows:
            msg = "the store holds no records to export"
            raise StoreError(msg)
        table, extras, order = _working_table(state.rows, cfg)
        cids = [state.rows[k].old_customer for k in order]
        codes, uniques = pd.factorize(pd.Series(cids, dtype=object))
        first = np.full(len(uniques), len(order), dtype=np.int64)
        np.minimum.at(first, codes, np.arange(len(order)))
        labels = first[codes]
        merged = build_golden(table, extras, labels)
        mapping = {
            customer_id_for(str(table["source"].iat[f]), str(table["record_id"].iat[f])): uniques[c]
            for c, f in enumerate(first.tolist())
        }
        crosswalk = merged.crosswalk.assign(
            customer_id=merged.crosswalk["customer_id"].map(mapping)
        )
        golden = merged.golden.assign(customer_id=merged.golden["customer_id"].map(mapping))
        golden = golden.sort_values("customer_id", kind="stable").reset_index(drop=True)
        lineage = merged.lineage.assign(
            customer_id=merged.lineage["customer_id"].astype(object).map(mapping)
        )
        lineage = lineage.sort_values(
            ["customer_id", "attribute", "value", "source", "record_id"], kind="stable"
        ).reset_index(drop=True)
        crosswalk.to_csv(out / "crosswalk.csv", index=False)
        golden.to_csv(out / "golden.csv", index=False)
        write_csv(lineage, out / "lineage.csv")
        return out

    def stats(self) -> dict[str, int]:
        """Row counts: records, active customers, merged ids, decisions, events."""
        with read_transaction(self.engine) as conn:

            def count(table: Any, *where: Any) -> int:
                return int(
                    conn.execute(select(func.count()).select_from(table).where(*where)).scalar()
                    or 0
                )

            return {
                "records": count(s.records),
                "customers": count(s.customers, s.customers.c.status == "active"),
                "merged_ids": count(s.customers, s.customers.c.status == "merged"),
                "match_decisions": count(s.match_decisions),
                "history_events": count(s.history),
                "steward_decisions": count(s.steward_decisions),
            }

    def model(self) -> FellegiSunterModel | None:
        """The model the store scores with (None before the first ingest)."""
        with read_transaction(self.engine) as conn:
            meta = {
                r.key: r.value for r in conn.execute(select(s.meta).where(s.meta.c.key == "model"))
            }
        return _stored_model(meta)

    # -- internals: loading ------------------------------------------------------------

    def _meta_value(self, key: str) -> str | None:
        with read_transaction(self.engine) as conn:
            return conn.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar()

    def _require_settings(self, state: _State) -> tuple[ResolverConfig, FellegiSunterModel]:
        cfg = _stored_config(state.meta)
        model = _stored_model(state.meta)
        if cfg is None or model is None:
            msg = "the store is empty: ingest some records first"
            raise StoreError(msg)
        return cfg, model

    def _load(self, conn: Connection) -> _State:
        rows: list[_Row] = []
        hashes: dict[int, str] = {}
        query = select(
            s.records.c.pk,
            s.records.c.source,
            s.records.c.record_id,
            s.records.c.content_hash,
            s.records.c.normalised,
            s.records.c.extras,
            s.crosswalk.c.customer_id,
        ).join(s.crosswalk, s.crosswalk.c.record_pk == s.records.c.pk, isouter=True)
        for r in conn.execute(query):
            rows.append(
                _Row(
                    int(r.pk),
                    r.source,
                    r.record_id,
                    json.loads(r.normalised),
                    json.loads(r.extras),
                    r.customer_id,
                    False,
                )
            )
            hashes[int(r.pk)] = r.content_hash
        customers = {
            r.customer_id: (r.status, int(r.created_batch))
            for r in conn.execute(
                select(s.customers.c.customer_id, s.customers.c.status, s.customers.c.created_batch)
            )
        }
        pairs = pd.DataFrame(
            conn.execute(
                select(
                    s.match_decisions.c.left_pk,
                    s.match_decisions.c.right_pk,
                    s.match_decisions.c.pattern,
                    s.match_decisions.c.linked,
                )
            ).all(),
            columns=["left_pk", "right_pk", "pattern", "linked"],
        )
        steward = [
            dict(r._mapping)
            for r in conn.execute(select(s.steward_decisions).order_by(s.steward_decisions.c.id))
        ]
        meta = {r.key: r.value for r in conn.execute(select(s.meta))}
        return _State(
            rows=rows,
            index={(r.source, r.record_id): k for k, r in enumerate(rows)},
            hashes=hashes,
            customers=customers,
            pairs=pairs,
            steward=steward,
            meta=meta,
            max_pk=max(hashes, default=0),
            max_batch=int(conn.execute(select(func.max(s.batches.c.batch))).scalar() or 0),
            max_seq=int(conn.execute(select(func.max(s.history.c.seq))).scalar() or 0),
        )

    def _resolve_id(self, conn: Connection, customer_id: str) -> str:
        """Follow redirects from a merged id to the customer that holds its records now."""
        seen = {customer_id}
        current = customer_id
        while True:
            nxt = conn.execute(
                select(s.redirects.c.to_id).where(s.redirects.c.from_id == current)
            ).scalar()
            if nxt is None or nxt in seen:
                break
            seen.add(nxt)
            current = nxt
        exists = conn.execute(
            select(s.customers.c.status).where(s.customers.c.customer_id == current)
        ).scalar()
        if exists is None:
            msg = f"customer {customer_id} is not in the store"
            raise StoreError(msg)
        return current

    def _records_of(self, conn: Connection, customer_id: str) -> list[tuple[str, str]]:
        rows = conn.execute(
            select(s.records.c.source, s.records.c.record_id)
            .join(s.crosswalk, s.crosswalk.c.record_pk == s.records.c.pk)
            .where(s.crosswalk.c.customer_id == customer_id)
        ).all()
        return sorted((r.source, r.record_id) for r in rows)

    def _members_before(
        self, conn: Connection, customer_id: str, batch: int
    ) -> set[tuple[str, str]]:
        members: set[tuple[str, str]] = set()
        for r in conn.execute(
            select(s.history.c.kind, s.history.c.source, s.history.c.record_id)
            .where(
                s.history.c.customer_id == customer_id,
                s.history.c.batch < batch,
                s.history.c.kind.in_(["record_attached", "record_detached"]),
            )
            .order_by(s.history.c.seq)
        ):
            key = (r.source, r.record_id)
            if r.kind == "record_attached":
                members.add(key)
            else:
                members.discard(key)
        return members

    def _customer_as_of(
        self, conn: Connection, customer_id: str, as_of: datetime
    ) -> dict[str, Any]:
        if as_of.tzinfo is not None:
            as_of = as_of.astimezone(UTC).replace(tzinfo=None)
        # follow only the redirects that existed at that time
        current, seen = customer_id, {customer_id}
        while True:
            nxt = conn.execute(
                select(s.history.c.other_customer_id)
                .where(
                    s.history.c.customer_id == current,
                    s.history.c.kind == "merged_into",
                    s.history.c.at <= as_of,
                )
                .order_by(s.history.c.seq.desc())
            ).first()
            restored = conn.execute(
                select(func.max(s.history.c.seq)).where(
                    s.history.c.customer_id == current,
                    s.history.c.kind == "unmerged",
                    s.history.c.at <= as_of,
                )
            ).scalar()
            if nxt is None or nxt[0] in seen:
                break
            merged_seq = conn.execute(
                select(func.max(s.history.c.seq)).where(
                    s.history.c.customer_id == current,
                    s.history.c.kind == "merged_into",
                    s.history.c.at <= as_of,
                )
            ).scalar()
            if restored is not None and restored > merged_seq:
                break
            seen.add(nxt[0])
            current = nxt[0]
        events = conn.execute(
            select(s.history)
            .where(s.history.c.customer_id == current, s.history.c.at <= as_of)
            .order_by(s.history.c.seq)
        ).all()
        if not events:
            msg = f"customer {customer_id} did not exist at that time"
            raise StoreError(msg)
        records: set[tuple[str, str]] = set()
        values: dict[str, set[str]] = {}
        status = "active"
        for e in events:
            if e.kind == "record_attached":
                records.add((e.source, e.record_id))
            elif e.kind in ("record_detached", "record_forgotten"):
                records.discard((e.source, e.record_id))
            elif e.kind == "attribute_set" and e.value is not None:
                values.setdefault(e.attribute, set()).add(e.value)
            elif e.kind == "attribute_removed":
                values.get(e.attribute, set()).discard(e.value)
            elif e.kind == "merged_into":
                status = "merged"
            elif e.kind in ("unmerged", "created"):
                status = "active"
        golden = {k: "|".join(sorted(v)) for k, v in sorted(values.items()) if v}
        return {
            "customer_id": current,
            "requested_id": customer_id,
            "status": status,
            "as_of": as_of.isoformat(),
            "golden": golden,
            "records": [{"source": a, "record_id": b} for a, b in sorted(records)],
        }

    # -- internals: deciding -----------------------------------------------------------

    def _plan(
        self,
        conn: Connection,
        state: _State,
        cfg: ResolverConfig,
        model: FellegiSunterModel,
        *,
        kind: str,
        report: IngestReport,
        recompute_all: bool = False,
        touched: set[str] | None = None,
        preferred_rows: dict[int, str] | None = None,
    ) -> _Plan:
        batch = state.max_batch + 1
        plan = _Plan(batch=batch, at=_now(), kind=kind, report=report)
        report.batch = batch
        rows = state.rows
        n = len(rows)
        comparisons = list(model.comparisons)
        rules = _blocking_rules(cfg)
        table, extras, order = _working_table(rows, cfg)
        ordered = [rows[k] for k in order]
        for col in {k for r in rules for k in r.on} | _comparison_columns(comparisons):
            if col not in table.columns:
                table[col] = None
        pk = np.array([r.pk for r in ordered], dtype=np.int64)
        dirty = np.array([r.dirty for r in ordered], dtype=bool)

        # candidate pairs, levels, weights
        if n:
            generic_codes, _ = generic_values(
                table, [k for k in IDENTIFIER_KEYS if k in table.columns], cfg.max_identifier_share
            )
            blocker = Blocker(
                table, rules, max_pairs_per_rule=cfg.max_pairs_per_rule, generic=generic_codes
            )
            blocker.check()
            left, right = blocker.all_pairs()
        else:
            left = right = np.zeros(0, dtype=np.int32)
        pa = np.minimum(pk[left], pk[right])
        pb = np.maximum(pk[left], pk[right])
        key = (pa << 32) | pb
        n_levels = [c.n_levels for c in comparisons]
        levels = np.zeros((left.size, len(comparisons)), dtype=np.int8)
        stored = state.pairs
        skey = (stored["left_pk"].to_numpy(dtype=np.int64) << 32) | stored["right_pk"].to_numpy(
            dtype=np.int64
        )
        spattern = stored["pattern"].to_numpy(dtype=np.int64)
        sorder = np.argsort(skey, kind="stable")
        skey_sorted, spattern_sorted = skey[sorder], spattern[sorder]
        pos = np.searchsorted(skey_sorted, key)
        if skey_sorted.size:
            pos_ok = np.minimum(pos, skey_sorted.size - 1)
            in_store = skey_sorted[pos_ok] == key
        else:
            pos_ok = np.zeros(key.size, dtype=np.int64)
            in_store = np.zeros(key.size, dtype=bool)
        reuse = in_store & ~dirty[left] & ~dirty[right] & (not recompute_all)
        if reuse.any():
            levels[reuse] = decode_patterns(spattern_sorted[pos_ok[reuse]], n_levels)
        todo = np.flatnonzero(~reuse)
        if todo.size:
            evaluator = LevelEvaluator(table, comparisons)
            for start in range(0, todo.size, _LEVEL_CHUNK):
                part = todo[start : start + _LEVEL_CHUNK]
                levels[part] = evaluator.levels(left[part], right[part])
        report.pairs_compared = int(todo.size)
        report.pairs_reused = int(reuse.sum())
        weight = model.match_weight(
            levels,
            Resolver.tf_adjustments(
                table, comparisons, left, levels, reference=Resolver.tf_reference(model, table)
            ),
        )
        prob = probability(weight)
        # the configured threshold, else the model's, else the best expected F1 (as a batch run)
        resolver = Resolver(cfg, model=model)
        threshold, _ = resolver.effective_threshold(model, len(table), left, right, prob, weight)
        edge = prob >= threshold

        # steward decisions as row pairs
        row_of = {(r.source, r.record_id): k for k, r in enumerate(ordered)}
        must: list[tuple[int, int]] = []
        cannot: list[tuple[int, int]] = []
        for d in state.steward:
            a = row_of.get((d["left_source"], d["left_record_id"]))
            b = row_of.get((d["right_source"], d["right_record_id"]))
            if a is None or b is None or a == b:
                continue
            (must if d["kind"] == "must_link" else cannot).append((min(a, b), max(a, b)))
        el, er, ew = left[edge], right[edge], weight[edge]
        if cannot:
            cset = set(cannot)
            keep = np.array(
                [(int(x), int(y)) not in cset for x, y in zip(el, er, strict=True)], dtype=bool
            )
            el, er, ew = el[keep], er[keep], ew[keep]
        if must:
            ml = np.array([a for a, _ in must], dtype=el.dtype)
            mr = np.array([b for _, b in must], dtype=er.dtype)
            el, er = np.concatenate([el, ml]), np.concatenate([er, mr])
            ew = np.concatenate([ew, np.full(len(must), MUST_LINK_WEIGHT)])
        labels, _split = cluster(n, el, er, ew, max_cluster_size=cfg.clustering.max_cluster_size)
        # as a batch run: clusters that are each other's only plausible partner join, unless
        # a steward said the records are different customers
        conflict = strong_disagreement(levels, comparisons)
        if cannot:
            left = np.concatenate([left, np.array([a for a, _ in cannot], dtype=left.dtype)])
            right = np.concatenate([right, np.array([b for _, b in cannot], dtype=right.dtype)])
            prob = np.concatenate([prob, np.zeros(len(cannot))])
            conflict = np.concatenate([conflict, np.ones(len(cannot), dtype=bool)])
        labels, _joins = resolver.join_exclusive(labels, left, right, prob, conflict)
        labels = enforce_cannot_links(labels, el, er, ew, cannot)

        # stable ids
        old_ids = [r.old_customer for r in ordered]
        sources = table["source"].to_numpy()
        rids = table["record_id"].to_numpy()

        def new_id(row: int, attempt: int) -> str:
            rid = str(rids[row]) if attempt == 0 else f"{rids[row]}\x1f{attempt}"
            return customer_id_for(str(sources[row]), rid)

        preferred = {}
        for orig, cid in (preferred_rows or {}).items():
            preferred[int(labels[order.index(orig)])] = cid
        assignment = assign_ids(
            labels,
            old_ids,
            {cid: created for cid, (_st, created) in state.customers.items()},
            state.customers.keys(),
            new_id,
            preferred=preferred,
        )
        new_cid = [assignment.cluster_id[int(lab)] for lab in labels.tolist()]
        old_members: dict[str, set[int]] = {}
        for k, old in enumerate(old_ids):
            if old is not None:
                old_members.setdefault(old, set()).add(k)
        new_members: dict[str, list[int]] = {}
        for k, cid in enumerate(new_cid):
            new_members.setdefault(cid, []).append(k)
        touched = set(touched or ())
        affected = sorted(
            cid
            for cid, members in new_members.items()
            if cid in assignment.created.values()
            or cid in touched
            or dirty[members].any()
            or set(members) != old_members.get(cid, set())
        )
        previously_active = {
            cid for cid, (status, _c) in state.customers.items() if status == "active"
        }
        gone = sorted(
            cid
            for cid in previously_active
            if cid not in new_members and cid not in assignment.merged
        )

        # records, keys, crosswalk
        for k, row in enumerate(ordered):
            if row.dirty:
                plan.key_pks.append(row.pk)
                plan.keys.extend(_lookup_keys(row.pk, table, k))
            if row.old_customer is None:
                plan.crosswalk_insert.append(
                    {"record_pk": row.pk, "customer_id": new_cid[k], "batch": batch}
                )
            elif row.old_customer != new_cid[k]:
                plan.crosswalk_update.append(
                    {"b_pk": row.pk, "b_cid": new_cid[k], "b_batch": batch}
                )
            if row.old_customer != new_cid[k]:
                if row.old_customer is not None:
                    plan.events.append(_event(plan, "record_detached", row.old_customer, row))
                plan.events.append(_event(plan, "record_attached", new_cid[k], row))

        # golden records of the affected customers
        old_lineage = self._old_lineage(
            conn, sorted(set(affected) | set(assignment.merged) | set(gone))
        )
        new_lineage: dict[str, set[tuple[str, str, str, str]]] = {}
        if affected:
            sub_rows = np.array(
                sorted(k for cid in affected for k in new_members[cid]), dtype=np.int64
            )
            sub_table = table.iloc[sub_rows].reset_index(drop=True)
            sub_extras = extras.iloc[sub_rows].reset_index(drop=True)
            local = np.searchsorted(sub_rows, labels[sub_rows])
            merged = build_golden(sub_table, sub_extras, local)
            mapping = {
                customer_id_for(str(sources[lab]), str(rids[lab])): assignment.cluster_id[int(lab)]
                for lab in np.unique(labels[sub_rows]).tolist()
            }
            golden = merged.golden.assign(customer_id=merged.golden["customer_id"].map(mapping))
            lineage = merged.lineage.assign(
                customer_id=merged.lineage["customer_id"].astype(object).map(mapping)
            )
            for rec in lineage.itertuples(index=False):
                new_lineage.setdefault(str(rec.customer_id), set()).add(
                    (str(rec.attribute), str(rec.value), str(rec.source), str(rec.record_id))
                )
                plan.lineage_insert.append(
                    {
                        "customer_id": rec.customer_id,
                        "attribute": rec.attribute,
                        "value": str(rec.value),
                        "source": rec.source,
                        "record_id": rec.record_id,
                    }
                )
            for grow in golden.to_dict("records"):
                cid = grow["customer_id"]
                doc = _dumps({k: _clean(v) for k, v in grow.items()})
                values = {
                    "status": "active",
                    "updated_batch": batch,
                    "n_records": int(grow["n_records"]),
                    "golden": doc,
                }
                if cid in state.customers:
                    plan.customers_update.append(
                        {"b_cid": cid, **{f"b_{k}": v for k, v in values.items()}}
                    )
                    report.customers_updated += 1
                    if cid not in previously_active:
                        plan.events.append(_event(plan, "unmerged", cid, None))
                        plan.redirects_delete.append(cid)
                else:
                    plan.customers_insert.append(
                        {"customer_id": cid, "created_batch": batch, **values}
                    )
                    report.customers_created += 1
                    plan.events.append(_event(plan, "created", cid, None))
                    if cid in assignment.split_from:
                        plan.events.append(
                            _event(plan, "split_from", cid, None, other=assignment.split_from[cid])
                        )
                        report.customers_split += 1
        plan.lineage_delete = sorted(set(affected) | set(assignment.merged) | set(gone))
        for cid in plan.lineage_delete:
            before = old_lineage.get(cid, set())
            after = new_lineage.get(cid, set())
            before_values = {(a, v): (src, rid) for a, v, src, rid in sorted(before)}
            after_values = {(a, v): (src, rid) for a, v, src, rid in sorted(after)}
            for (attr, value), (src, rid) in sorted(after_values.items()):
                if (attr, value) not in before_values:
                    plan.events.append(
                        _event(
                            plan,
                            "attribute_set",
                            cid,
                            None,
                            attribute=attr,
                            value=value,
                            value_of=(src, rid),
                        )
                    )
            for (attr, value), (src, rid) in sorted(before_values.items()):
                if (attr, value) not in after_values:
                    plan.events.append(
                        _event(
                            plan,
                            "attribute_removed",
                            cid,
                            None,
                            attribute=attr,
                            value=value,
                            value_of=(src, rid),
                        )
                    )
        for loser, survivor in sorted(assignment.merged.items()):
            plan.customers_update.append(
                {
                    "b_cid": loser,
                    "b_status": "merged",
                    "b_updated_batch": batch,
                    "b_n_records": 0,
                    "b_golden": None,
                }
            )
            plan.redirects_insert.append({"from_id": loser, "to_id": survivor, "batch": batch})
            plan.redirects_retarget.append({"b_old": loser, "b_new": survivor})
            plan.events.append(_event(plan, "merged_into", loser, None, other=survivor))
            plan.events.append(_event(plan, "absorbed", survivor, None, other=loser))
            report.customers_merged += 1
        for cid in gone:
            plan.customers_update.append(
                {
                    "b_cid": cid,
                    "b_status": "retired",
                    "b_updated_batch": batch,
                    "b_n_records": 0,
                    "b_golden": None,
                }
            )
            plan.events.append(_event(plan, "retired", cid, None))
            report.customers_retired += 1

        # match decisions: the difference to what is stored
        linked_now = edge.copy()
        spairs = dict(zip(skey.tolist(), spattern.tolist(), strict=True))
        slinked = dict(zip(skey.tolist(), stored["linked"].astype(bool).tolist(), strict=True))
        pattern = encode_patterns(levels, n_levels) if left.size else np.zeros(0, dtype=np.int64)
        now_keys = set(key.tolist())
        for old_key in skey.tolist():
            if old_key not in now_keys:
                plan.pairs_delete.append({"b_l": old_key >> 32, "b_r": old_key & 0xFFFFFFFF})
        for j in range(key.size):
            kj = int(key[j])
            pj = int(pattern[j])
            if kj in spairs and spairs[kj] == pj:
                if slinked[kj] != bool(linked_now[j]):
                    plan.pairs_relink.append(
                        {
                            "b_l": int(pa[j]),
                            "b_r": int(pb[j]),
                            "b_linked": bool(linked_now[j]),
                            "b_w": float(weight[j]),
                            "b_p": float(prob[j]),
                            "b_batch": batch,
                        }
                    )
                continue
            if kj in spairs:
                plan.pairs_delete.append({"b_l": int(pa[j]), "b_r": int(pb[j])})
            plan.pairs_insert.append(
                {
                    "left_pk": int(pa[j]),
                    "right_pk": int(pb[j]),
                    "pattern": pj,
                    "levels": ",".join(str(int(v)) for v in levels[j]),
                    "match_weight": float(weight[j]),
                    "match_probability": float(prob[j]),
                    "linked": bool(linked_now[j]),
                    "batch": batch,
                    "reason": "blocking",
                }
            )
        return plan

    @staticmethod
    def _old_lineage(conn: Connection, ids: list[str]) -> dict[str, set[tuple[str, str, str, str]]]:
        out: dict[str, set[tuple[str, str, str, str]]] = {}
        for part in _chunks(ids):
            query = select(*[s.lineage.c[c] for c in LINEAGE_COLUMNS]).where(
                s.lineage.c.customer_id.in_(list(part))
            )
            for r in conn.execute(query):
                out.setdefault(r.customer_id, set()).add(
                    (r.attribute, r.value, r.source, r.record_id)
                )
        return out

    # -- internals: writing ------------------------------------------------------------

    def _write_plan(self, conn: Connection, plan: _Plan, progress: ProgressCallback | None) -> None:
        steps: list[tuple[str, Callable[[], None]]] = []
        p = plan

        def many(stmt: Any, params: list[dict[str, Any]]) -> Callable[[], None]:
            def run() -> None:
                for part in _chunks(params, 5000):
                    conn.execute(stmt, list(part))

            return run

        if p.new_records:
            steps.append(("records", many(insert(s.records), p.new_records)))
        if p.changed_records:
            stmt: Any = (
                update(s.records)
                .where(s.records.c.pk == bindparam("b_pk"))
                .values(
                    content_hash=bindparam("b_hash"),
                    raw=bindparam("b_raw"),
                    normalised=bindparam("b_norm"),
                    extras=bindparam("b_extras"),
                    changed_batch=bindparam("b_batch"),
                )
            )
            params = [
                {
                    "b_pk": r["pk"],
                    "b_hash": r["content_hash"],
                    "b_raw": r["raw"],
                    "b_norm": r["normalised"],
                    "b_extras": r["extras"],
                    "b_batch": r["changed_batch"],
                }
                for r in p.changed_records
            ]
            steps.append(("records", many(stmt, params)))
        if p.key_pks:
            stmt = delete(s.record_keys).where(s.record_keys.c.record_pk == bindparam("b_pk"))
            steps.append(("keys", many(stmt, [{"b_pk": k} for k in p.key_pks])))
        if p.keys:
            steps.append(("keys", many(insert(s.record_keys), p.keys)))
        if p.crosswalk_insert:
            steps.append(("crosswalk", many(insert(s.crosswalk), p.crosswalk_insert)))
        if p.crosswalk_update:
            stmt = (
                update(s.crosswalk)
                .where(s.crosswalk.c.record_pk == bindparam("b_pk"))
                .values(customer_id=bindparam("b_cid"), batch=bindparam("b_batch"))
            )
            steps.append(("crosswalk", many(stmt, p.crosswalk_update)))
        if p.customers_insert:
            steps.append(("customers", many(insert(s.customers), p.customers_insert)))
        if p.customers_update:
            stmt = (
                update(s.customers)
                .where(s.customers.c.customer_id == bindparam("b_cid"))
                .values(
                    status=bindparam("b_status"),
                    updated_batch=bindparam("b_updated_batch"),
                    n_records=bindparam("b_n_records"),
                    golden=bindparam("b_golden"),
                )
            )
            steps.append(("customers", many(stmt, p.customers_update)))
        if p.lineage_delete:
            stmt = delete(s.lineage).where(s.lineage.c.customer_id == bindparam("b_cid"))
            steps.append(("lineage", many(stmt, [{"b_cid": c} for c in p.lineage_delete])))
        if p.lineage_insert:
            steps.append(("lineage", many(insert(s.lineage), p.lineage_insert)))
        if p.pairs_delete:
            stmt = delete(s.match_decisions).where(
                s.match_decisions.c.left_pk == bindparam("b_l"),
                s.match_decisions.c.right_pk == bindparam("b_r"),
            )
            steps.append(("match_decisions", many(stmt, p.pairs_delete)))
        if p.pairs_insert:
            steps.append(("match_decisions", many(insert(s.match_decisions), p.pairs_insert)))
        if p.pairs_relink:
            stmt = (
                update(s.match_decisions)
                .where(
                    s.match_decisions.c.left_pk == bindparam("b_l"),
                    s.match_decisions.c.right_pk == bindparam("b_r"),
                )
                .values(
                    linked=bindparam("b_linked"),
                    match_weight=bindparam("b_w"),
                    match_probability=bindparam("b_p"),
                    batch=bindparam("b_batch"),
                )
            )
            steps.append(("match_decisions", many(stmt, p.pairs_relink)))
        if p.redirects_delete:
            stmt = delete(s.redirects).where(s.redirects.c.from_id == bindparam("b_cid"))
            steps.append(("redirects", many(stmt, [{"b_cid": c} for c in p.redirects_delete])))
        if p.redirects_retarget:
            stmt = (
                update(s.redirects)
                .where(s.redirects.c.to_id == bindparam("b_old"))
                .values(to_id=bindparam("b_new"))
            )
            steps.append(("redirects", many(stmt, p.redirects_retarget)))
        if p.redirects_insert:
            steps.append(("redirects", many(insert(s.redirects), p.redirects_insert)))
        if p.events:
            seq0 = int(conn.execute(select(func.max(s.history.c.seq))).scalar() or 0)
            for k, e in enumerate(p.events):
                e["seq"] = seq0 + k + 1
            steps.append(("history", many(insert(s.history), p.events)))
        if p.meta:

            def write_meta() -> None:
                for key, value in p.meta.items():
                    conn.execute(delete(s.meta).where(s.meta.c.key == key))
                    conn.execute(insert(s.meta).values(key=key, value=value))

            steps.append(("meta", write_meta))
        summary = {k: v for k, v in p.report.to_dict().items() if k not in ("batch", "seconds")}

        def write_batch() -> None:
            conn.execute(
                insert(s.batches).values(
                    batch=p.batch,
                    kind=p.kind,
                    started_at=p.at,
                    finished_at=_now(),
                    summary=_dumps(summary),
                )
            )

        steps.append(("batches", write_batch))
        for k, (name, run) in enumerate(steps):
            run()
            if progress is not None:
                progress(f"write {name}", k + 1, len(steps))


# -- helpers -----------------------------------------------------------------------------


def _event(
    plan: _Plan,
    kind: str,
    customer_id: str | None,
    row: _Row | None,
    *,
    other: str | None = None,
    attribute: str | None = None,
    value: str | None = None,
    value_of: tuple[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "batch": plan.batch,
        "at": plan.at,
        "kind": kind,
        "customer_id": customer_id,
        "source": row.source if row else None,
        "record_id": row.record_id if row else None,
        "attribute": attribute,
        "value": value,
        "value_source": value_of[0] if value_of else None,
        "value_record_id": value_of[1] if value_of else None,
        "other_customer_id": other,
    }


def _as_config(config: ResolverConfig | str | Path | dict[str, Any]) -> ResolverConfig:
    if isinstance(config, ResolverConfig):
        return config
    if isinstance(config, dict):
        return parse_config(config)
    return load_config(config)


def _as_model(model: FellegiSunterModel | str | Path | None) -> FellegiSunterModel | None:
    if model is None or isinstance(model, FellegiSunterModel):
        return model
    return FellegiSunterModel.load(model)


def _stored_config(meta: dict[str, str]) -> ResolverConfig | None:
    raw = meta.get("config")
    return parse_config(json.loads(raw)) if raw else None


def _stored_model(meta: dict[str, str]) -> FellegiSunterModel | None:
    raw = meta.get("model")
    return FellegiSunterModel.from_dict(json.loads(raw)) if raw else None


def _merge_configs(stored: ResolverConfig | None, new: ResolverConfig) -> ResolverConfig:
    """The new config's settings and sources, plus sources only the store knows."""
    if stored is None:
        return new
    names = {src.name for src in new.sources}
    extra = [src for src in stored.sources if src.name not in names]
    return new.model_copy(update={"sources": [*new.sources, *extra]})


def _meta_for(cfg: ResolverConfig, model: FellegiSunterModel) -> dict[str, str]:
    data = cfg.model_dump(mode="json")
    data["base_dir"] = None
    for src in data["sources"]:
        src["path"] = None
    return {
        "config": _dumps(data),
        "model": _dumps(model.to_dict()),
        "comparisons": _dumps([c.model_dump(mode="json") for c in model.comparisons]),
    }


def _blocking_rules(cfg: ResolverConfig) -> list[BlockingRule]:
    if cfg.blocking is not None:
        return list(cfg.blocking)
    fields: set[str] = set()
    for src in cfg.sources:
        fields |= set(src.fields)
    return default_blocking_rules(fields)


def _comparison_columns(comparisons: Sequence[Any]) -> set[str]:
    out = set()
    for comp in comparisons:
        out.add(comp.column)
        for level in comp.levels:
            if level.column:
                out.add(level.column)
    return out


def _content_hash(normalised: dict[str, Any], extras: dict[str, Any], raw: dict[str, Any]) -> str:
    doc = json.dumps([normalised, extras, raw], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(doc.encode("utf-8", "surrogatepass")).hexdigest()


def _incoming_records(cfg: ResolverConfig, tables: dict[str, TableLike] | None) -> list[_Incoming]:
    """The batch's records, normalised by the batch pipeline's own ``prepare``."""
    prepared = prepare(cfg, tables)
    table = prepared.table.astype(object).where(prepared.table.notna(), None)
    extras = prepared.extras
    raw_by_source: dict[str, dict[str, dict[str, Any]]] = {}
    own_extras: dict[str, list[str]] = {}
    for src in cfg.sources:
        raw_by_source[src.name], columns = _raw_rows(cfg, src, tables)
        mapped = (
            set(src.fields.values()) | {src.id} | ({src.updated_at} if src.updated_at else set())
        )
        own_extras[src.name] = [c for c in columns if c not in mapped]
    norm_cols = [c for c in table.columns if c not in ("source", "record_id")]
    out = []
    norm_values = table[norm_cols].to_numpy()
    extra_cols = list(extras.columns)
    extra_values = extras.to_numpy()
    sources = table["source"].to_numpy()
    rids = table["record_id"].to_numpy()
    for k in range(len(table)):
        name, rid = str(sources[k]), str(rids[k])
        # only the values present: the key set must not depend on which sources share the batch
        normalised = {
            c: v
            for c, v in ((c, _clean(v)) for c, v in zip(norm_cols, norm_values[k], strict=True))
            if v is not None
        }
        ext = {c: _clean(v) for c, v in zip(extra_cols, extra_values[k], strict=True)}
        # a record carries only its own source's extra columns (others are None here)
        ext = {c: ext[c] for c in own_extras[name] if c in ext}
        raw = raw_by_source[name].get(rid, {})
        out.append(_Incoming(name, rid, normalised, ext, raw, _content_hash(normalised, ext, raw)))
    return out


def _raw_rows(
    cfg: ResolverConfig, src: SourceConfig, tables: dict[str, TableLike] | None
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    frame = load_source(cfg, src, tables)
    columns = [str(c) for c in frame.columns]
    out: dict[str, dict[str, Any]] = {}
    id_pos = columns.index(src.id)
    for values in frame.itertuples(index=False, name=None):
        row = {
            c: (None if _clean(v) is None else str(v)) for c, v in zip(columns, values, strict=True)
        }
        rid = row[columns[id_pos]]
        if rid is None:
            continue
        out[str(rid).strip()] = row
    return out, columns


def _working_table(
    rows: Sequence[_Row], cfg: ResolverConfig | None
) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """The prepared table of the given records, in batch order (sorted by source, record_id)."""
    order = sorted(range(len(rows)), key=lambda k: (rows[k].source, rows[k].record_id))
    ordered = [rows[k] for k in order]
    table = pd.DataFrame.from_records(
        [{"source": r.source, "record_id": r.record_id, **r.normalised} for r in ordered]
    )
    for col in ("source", "record_id", "trust", "updated_at"):
        if col not in table.columns:
            table[col] = None
    for col in table.columns:
        if table[col].dtype == object:
            table[col] = table[col].where(table[col].notna(), None)
    # extra columns in the order a batch resolve gives them (sorted by name)
    columns = sorted({c for r in ordered for c in r.extras})
    extras = pd.DataFrame.from_records([r.extras for r in ordered], columns=columns)
    if len(columns):
        extras = extras.astype(object).where(extras.notna(), None)
    else:
        extras = pd.DataFrame(index=range(len(ordered)))
    return table, extras, order


def _lookup_keys(pk: int, table: pd.DataFrame, row: int) -> list[dict[str, Any]]:
    out = []
    for key, column in LOOKUP_KEYS.items():
        if column not in table.columns:
            continue
        value = table[column].iat[row]
        if value is None or value == "":
            continue
        for part in (
            sorted(set(str(value).split("|"))) if column in ("phones", "emails") else [str(value)]
        ):
            if part:
                out.append({"record_pk": pk, "key": key, "value": part})
    return out
