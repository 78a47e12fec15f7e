"""Normalise every source into one prepared record table.

The prepared table has one row per input record, sorted by ``(source,
record_id)`` so that everything downstream is independent of input row order.
Beside the normalised values and matching keys it keeps the cleaned raw values
that golden records show, and the quality issues of every record.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import jellyfish
import numpy as np
import pandas as pd

from custmdm.config import ResolverConfig, SourceConfig
from custmdm.exceptions import ConfigError, SchemaError
from custmdm.normalise._common import map_distinct, with_missing_slot
from custmdm.schema import QUALITY_COLUMNS
from custmdm.sources import TableLike, load_source

log = logging.getLogger(__name__)

#: Cleaned raw values kept for display in golden records (prefix ``raw_``).
DISPLAY_FIELDS = ("full_name", "address", "street", "city")


@dataclass
class Prepared:
    """The prepared record table plus what rides along beside it."""

    table: pd.DataFrame  # one row per record, sorted by (source, record_id)
    quality: pd.DataFrame  # source, record_id, field, reason
    extras: pd.DataFrame  # same row order as table: unmapped source columns
    fields: set[str] = field(default_factory=set)  # canonical fields mapped by any source
    input_rows: int = 0


def _text_series(frame: pd.DataFrame, column: str | None) -> pd.Series | None:
    if column is None:
        return None
    return frame[column].astype(object)


def _record_ids(frame: pd.DataFrame, source: SourceConfig) -> pd.Series:
    raw = frame[source.id]
    ids = raw.map(
        lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
    )
    missing = ids.isna() | (ids == "")
    if missing.any():
        first = int(np.flatnonzero(missing.to_numpy())[0])
        msg = (
            f"source '{source.name}': {int(missing.sum())} record(s) have an empty id in column "
            f"'{source.id}' (first at data row {first + 1}); every record needs an id"
        )
        raise SchemaError(msg)
    return ids.astype(str)


def _dedupe_ids(
    frame: pd.DataFrame, ids: pd.Series, source: SourceConfig
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    dup = ids.duplicated(keep=False)
    if not dup.any():
        return frame, ids, []
    if source.duplicate_ids == "error":
        first = sorted(ids[dup].unique())[:3]
        named = ", ".join(f"record {source.name}:{rid}" for rid in first)
        msg = (
            f"source '{source.name}': {int(ids[dup].nunique())} record id(s) occur more than once "
            f"({named}); ids must be unique within a source, or set duplicate_ids: last_wins"
        )
        raise SchemaError(msg)
    order = np.arange(len(frame))
    keyed = pd.DataFrame({"id": ids.to_numpy(), "pos": order})
    if source.updated_at is not None:
        keyed["ts"] = pd.to_datetime(
            frame[source.updated_at], errors="coerce", format="mixed"
        ).to_numpy()
        keyed = keyed.sort_values(["id", "ts", "pos"], na_position="first", kind="stable")
    else:
        keyed = keyed.sort_values(["id", "pos"], kind="stable")
    keep = np.sort(keyed.drop_duplicates("id", keep="last")["pos"].to_numpy())
    superseded = sorted(set(ids[dup].unique()))
    return (
        frame.iloc[keep].reset_index(drop=True),
        ids.iloc[keep].reset_index(drop=True),
        superseded,
    )


def _prepare_source(
    config: ResolverConfig, source: SourceConfig, tables: dict[str, TableLike] | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    frame = load_source(config, source, tables).reset_index(drop=True)
    n_input = len(frame)
    ids = _record_ids(frame, source)
    frame, ids, superseded = _dedupe_ids(frame, ids, source)
    table, quality, extras = normalise_records(config, source, frame, ids)
    if superseded:
        quality = pd.concat(
            [
                quality,
                pd.DataFrame(
                    {
                        "source": source.name,
                        "record_id": superseded,
                        "field": "record_id",
                        "reason": "duplicate_id_superseded",
                    }
                ),
            ],
            ignore_index=True,
        )
    return table, quality, extras, n_input


def normalise_records(
    config: ResolverConfig, source: SourceConfig, frame: pd.DataFrame, ids: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Normalise the raw rows of one source: ``(table, quality, extras)``.

    Pass all of a source's rows in input order: some normalisers learn a column's habits
    (name order, day/month order) from the whole column, so the result for a record may
    depend on the other records of its source (the Spark engine calls this once per source).
    ``ids`` are the cleaned record ids, aligned with ``frame``.
    """
    from custmdm.normalise import (
        clean_text,
        normalise_address,
        normalise_dates,
        normalise_emails,
        normalise_national_id,
        normalise_phones,
        parse_names,
    )

    frame = frame.reset_index(drop=True)
    ids = ids.reset_index(drop=True)
    f = source.fields
    get: Callable[[str], pd.Series | None] = lambda name: _text_series(frame, f.get(name))  # noqa: E731

    parts: list[pd.DataFrame] = []
    issues: list[pd.DataFrame] = []

    def run(result: tuple[pd.DataFrame, pd.DataFrame]) -> None:
        out, iss = result
        parts.append(out)
        issues.append(iss)

    if any(k in f for k in ("full_name", "first_name", "middle_name", "last_name")):
        run(parse_names(get("full_name"), get("first_name"), get("middle_name"), get("last_name")))
    if "birth_date" in f:
        run(normalise_dates(get("birth_date"), date_format=source.date_format, field="birth_date"))  # type: ignore[arg-type]
    if "phone" in f:
        run(normalise_phones(get("phone"), source.phone_regions))  # type: ignore[arg-type]
    if "email" in f:
        run(normalise_emails(get("email"), provider_rules=config.email_provider_rules))  # type: ignore[arg-type]
    if any(k in f for k in ("address", "postcode", "city", "street", "house_number")):
        run(
            normalise_address(
                get("address"), get("postcode"), get("city"), get("street"), get("house_number")
            )
        )
    if "national_id" in f:
        run(normalise_national_id(get("national_id")))  # type: ignore[arg-type]
    for name in DISPLAY_FIELDS:
        if name in f:
            cleaned, _ = clean_text(get(name), name)  # type: ignore[arg-type]
            parts.append(cleaned.rename(columns={"value": f"raw_{name}"}))

    table = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)
    table = table.loc[:, ~table.columns.duplicated()]
    table.insert(0, "record_id", ids.to_numpy())
    table.insert(0, "source", source.name)
    table["trust"] = source.trust
    if source.updated_at is not None:
        ts = pd.to_datetime(frame[source.updated_at], errors="coerce", format="mixed", utc=True)
        table["updated_at"] = ts.dt.strftime("%Y-%m-%dT%H:%M:%S").where(ts.notna(), None)
        bad = ts.isna() & frame[source.updated_at].astype(str).str.strip().ne("")
        if bad.any():
            issues.append(
                pd.DataFrame(
                    {"row": frame.index[bad], "field": "updated_at", "reason": "invalid_date"}
                )
            )
    else:
        table["updated_at"] = None

    quality = (
        pd.concat(issues, ignore_index=True)
        if issues
        else pd.DataFrame(columns=["row", "field", "reason"])
    )
    quality = pd.DataFrame(
        {
            "source": source.name,
            "record_id": ids.to_numpy()[quality["row"].to_numpy(dtype=np.int64)]
            if len(quality)
            else [],
            "field": quality["field"].to_numpy(),
            "reason": quality["reason"].to_numpy(),
        }
    )
    mapped = set(f.values()) | {source.id} | ({source.updated_at} if source.updated_at else set())
    extra_cols = [c for c in frame.columns if str(c) not in mapped]
    extras = (
        frame[extra_cols].astype(object).where(frame[extra_cols].notna(), None)
        if extra_cols
        else pd.DataFrame(index=frame.index)
    )
    extras.columns = [str(c) for c in extras.columns]
    return table, quality, extras


def _phonetic(keys: pd.Series) -> pd.Series:
    """Soundex of the first token of a translit key, computed once per distinct key."""
    return map_distinct(keys, lambda key: jellyfish.soundex(key.split(" ")[0]) if key else None)


def _is_initial(name: Any) -> bool:
    return len(str(name).replace(".", "").strip()) == 1


def add_derived_keys(table: pd.DataFrame) -> pd.DataFrame:
    """Matching keys built from the normalised columns (phonetic codes, year, city key).

    Each key is computed once per distinct value, so equal keys share one string object
    (as :func:`shared_strings` would make them) and the columns stay compact.
    """
    from custmdm.normalise import translit_key_series
    from custmdm.normalise.phones import phone_keys

    # an initial ("Иван С.") is not a name: keys that claim a full name leave it out, and
    # "<part>_initial" is the key's first letter, with a trailing "." when the record
    # holds only the initial (the initial level needs one side to be an initial)
    for part in ("first", "middle", "last"):
        if f"{part}_key" in table and f"{part}_name" in table:
            key = table[f"{part}_key"]
            letter = map_distinct(key, lambda k: str(k)[:1] or None)
            initial_only = map_distinct(table[f"{part}_name"], _is_initial).to_numpy() == True  # noqa: E712
            initial_only &= key.notna().to_numpy()
            table[f"{part}_full_key"] = key.where(~initial_only & letter.notna(), None)
            if part == "first":
                # nicknames are about whole names: an initial is no nickname of anything
                table["first_full_name"] = table["first_name"].where(~initial_only, None)
            if part == "last" and "last_stem" in table:
                # nor is an initial a masculine or feminine form of a surname
                table["last_stem"] = table["last_stem"].where(~initial_only, None)
            table[f"{part}_letter"] = letter
            dotted = map_distinct(letter, lambda x: x + ".")
            table[f"{part}_initial"] = letter.where(~initial_only, dotted)
    if "first_key" in table:
        table["first_phonetic"] = _phonetic(table["first_full_key"])
    if "last_key" in table:
        table["last_phonetic"] = _phonetic(table["last_full_key"])
    if "first_key" in table and "last_key" in table:
        first, last = table["first_full_key"], table["last_full_key"]
        both = (first.notna() & last.notna()).to_numpy()
        pair = np.full(len(table), None, dtype=object)
        pair[both] = [
            f"{a} {b}" if a <= b else f"{b} {a}"
            for a, b in zip(first.to_numpy()[both], last.to_numpy()[both], strict=True)
        ]
        table["name_pair_key"] = pd.Series(shared_strings(pair), index=table.index, dtype=object)
    if "phone" in table:
        table["phone_key"] = phone_keys(table["phone"])
    if "birth_date" in table:
        table["birth_year"] = map_distinct(table["birth_date"], lambda d: str(d)[:4])
    if "city" in table:
        table["city_key"] = translit_key_series(table["city"])
    if "street" in table:
        table["street_key"] = translit_key_series(table["street"])
    return table


#: Columns that are not personal values and stay readable under pseudonymisation.
NOT_PERSONAL = frozenset({"source", "record_id", "trust", "updated_at"})


def _pseudonymisation_key(env_var: str) -> bytes:
    value = os.environ.get(env_var)
    if not value:
        msg = f"pseudonymise_key_env names environment variable {env_var!r}, which is not set or empty"
        raise ConfigError(msg)
    return value.encode("utf-8")


def pseudonymise(table: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Replace every personal value by its keyed HMAC-SHA256 (hex), once per distinct value.

    Multi-valued columns ('|'-joined) are pseudonymised per value, so shared values
    still meet. Equal inputs give equal outputs, so exact comparisons and blocking
    keys behave as before; fuzzy similarity is lost by design.
    """

    def digest(value: str) -> str:
        return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    out = table.copy()
    for col in out.columns:
        if col in NOT_PERSONAL or out[col].dtype != object:
            continue
        codes, uniques = pd.factorize(out[col], use_na_sentinel=True)
        mapped = np.array(
            ["|".join(digest(part) for part in str(u).split("|")) for u in uniques] + [None],
            dtype=object,
        )
        out[col] = mapped[codes]
    return out


#: Below this much input (bytes of files, or rows x 100 for tables in memory) one process is faster.
PARALLEL_MIN_INPUT = 4_000_000


def _input_size(config: ResolverConfig, tables: dict[str, TableLike] | None) -> int:
    total = 0
    for source in config.sources:
        if tables is not None and source.name in tables:
            total += len(tables[source.name]) * 100
            continue
        path = config.resolve_path(source)
        if path is not None and path.is_file():
            total += path.stat().st_size
    return total


#: Relative work per record of the field groups a source maps (any other mapped field: 1), to
#: hand the costliest sources to the workers first. A scheduling estimate: results never
#: depend on it. Names and addresses are parsed, phones go through phonenumbers.
_FIELD_WORK = {"names": 3, "address": 3, "phone": 2}
_NAME_FIELDS = frozenset({"full_name", "first_name", "middle_name", "last_name"})
_ADDRESS_FIELDS = frozenset({"address", "postcode", "city", "street", "house_number"})


def _estimated_rows(
    config: ResolverConfig, source: SourceConfig, tables: dict[str, TableLike] | None
) -> int:
    """The source's rows: exact for tables in memory and Parquet, else its size divided by the
    mean length of its first lines."""
    if tables is not None and source.name in tables:
        return len(tables[source.name])
    path = config.resolve_path(source)
    if path is None or not path.is_file():
        return 0
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except (OSError, ValueError):
            return 0
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    lines = max(head.count(b"\n"), 1)
    return path.stat().st_size * lines // max(len(head), 1)


def _estimated_work(
    config: ResolverConfig, source: SourceConfig, tables: dict[str, TableLike] | None
) -> int:
    """Rows times the work per record of the fields the source maps."""
    fields = set(source.fields)
    groups = {"names"} if fields & _NAME_FIELDS else set()
    groups |= {"address"} if fields & _ADDRESS_FIELDS else set()
    per_record = sum(_FIELD_WORK.get(g, 1) for g in groups)
    per_record += sum(_FIELD_WORK.get(f, 1) for f in fields - _NAME_FIELDS - _ADDRESS_FIELDS)
    return _estimated_rows(config, source, tables) * max(per_record, 1)


#: Inferred kinds (``pandas.api.types.infer_dtype``) of object columns whose equal values may
#: share one object: distinct values of these kinds never compare equal across kinds by mistake
#: (``0.0`` and ``-0.0``, ``1`` and ``True`` would). ``"empty"`` is a column with no value.
_SHAREABLE_KINDS = frozenset({"string", "integer", "boolean", "empty"})


def shared_strings(values: np.ndarray) -> np.ndarray:
    """``values`` with every distinct value one object, when all present values are str/int/bool.

    Normalisers build a new ``str`` per record; equal values sharing one object keeps
    a column near 8 bytes per record. Missing entries are kept as they are; columns of
    other kinds (floats, mixed types) are returned unchanged, since equal-but-different
    values (``0.0`` and ``-0.0``, ``1`` and ``True``) must not merge.
    """
    values = np.asarray(values)
    if (
        values.dtype != object
        or pd.api.types.infer_dtype(values, skipna=True) not in _SHAREABLE_KINDS
    ):
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    present = codes >= 0
    out = values.copy()
    out[present] = np.asarray(uniques, dtype=object)[codes[present]]
    return out


@dataclass
class CodedColumn:
    """An object column as codes into its distinct values (``-1``: missing).

    Workers hand columns over in this form: a code array pickles as raw bytes where an
    object array pickles one reference per row, and stacking sources then merges only
    the distinct values instead of hashing every row again.
    """

    codes: np.ndarray  # int32, one per row
    uniques: np.ndarray  # object, the distinct present values
    kind: str  # pandas' inferred kind of the present values

    @classmethod
    def of(cls, values: np.ndarray) -> CodedColumn | np.ndarray:
        """``values`` coded when it is an object column of one shareable kind, else as is."""
        values = np.asarray(values)
        if values.dtype != object:
            return values
        kind = pd.api.types.infer_dtype(values, skipna=True)
        if kind not in _SHAREABLE_KINDS:
            return values
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return cls(codes.astype(np.int32, copy=False), np.asarray(uniques, dtype=object), kind)

    def __len__(self) -> int:
        return len(self.codes)

    def values(self) -> np.ndarray:
        """The column as an object array; missing values are ``None``."""
        return with_missing_slot(self.uniques)[self.codes]


Column = CodedColumn | np.ndarray

#: One normalised source as columns: ``(table columns, quality, extras columns, input rows,
#: names of the table's derived key columns)``.
_SourceColumns = tuple[dict[str, Column], pd.DataFrame, dict[str, Column], int, list[str]]


def _as_columns(frame: pd.DataFrame) -> dict[str, Column]:
    return {str(c): CodedColumn.of(frame[c].to_numpy()) for c in frame.columns}


def _prepare_source_columns(
    config: ResolverConfig, source: SourceConfig, tables: dict[str, TableLike] | None
) -> _SourceColumns:
    """:func:`_prepare_source` with its derived keys, as columns, object columns coded
    (compact to ship and stack)."""
    table, quality, extras, n_input = _prepare_source(config, source, tables)
    base = set(table.columns)
    # the keys are functions of a record's own values, so each worker derives its source's
    table = add_derived_keys(table)
    derived = [str(c) for c in table.columns if c not in base]
    return _as_columns(table), quality, _as_columns(extras), n_input, derived


def _derived_keys_last(columns: list[str], derived: set[str]) -> list[str]:
    """``columns`` in the order :func:`add_derived_keys` gives a table of the non-derived ones."""
    base = [c for c in columns if c not in derived]
    probe = add_derived_keys(pd.DataFrame({c: pd.Series([], dtype=object) for c in base}))
    order = [str(c) for c in probe.columns if c in columns]
    return order + [c for c in columns if c not in order]


def _stack_coded(
    pieces: list[CodedColumn | None], lengths: list[int], order: np.ndarray | None
) -> np.ndarray:
    """Coded pieces (``None``: the source lacks the column) stacked into one object column.

    Equal values share one object across sources and missing values are ``None``, as
    :func:`shared_strings` and a ``None`` fill would leave them, but only the distinct values
    of each source are hashed.
    """
    present = [p for p in pieces if p is not None]
    merged_codes, uniques = pd.factorize(
        np.concatenate([p.uniques for p in present]), use_na_sentinel=True
    )
    codes = np.full(sum(lengths), -1, dtype=np.int64)
    start = offset = 0
    for piece, size in zip(pieces, lengths, strict=True):
        if piece is not None:
            remap = np.append(merged_codes[offset : offset + len(piece.uniques)], -1)
            codes[start : start + size] = remap[piece.codes]
            offset += len(piece.uniques)
        start += size
    if order is not None:
        codes = codes[order]
    return with_missing_slot(np.asarray(uniques, dtype=object))[codes]


def _stack_columns(
    parts: list[dict[str, Column]], lengths: list[int], order: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Row-wise concatenation of column sets, one column at a time.

    Columns come in order of first appearance. An object column leaves with its missing
    values as ``None`` and, when every value is of one shareable kind, equal values as one
    object; other columns are concatenated as ``pd.concat`` would, a source without the
    column contributing missing values. Each source's column is released once stacked, so
    memory holds about one copy of the table, not two.
    """
    names: list[str] = []
    for part in parts:
        names += [c for c in part if c not in names]
    out: dict[str, np.ndarray] = {}
    for name in names:
        pieces = [part.pop(name, None) for part in parts]
        coded = [p for p in pieces if isinstance(p, CodedColumn)]
        kinds = {p.kind for p in coded} - {"empty"}
        if len(coded) == sum(p is not None for p in pieces) and len(kinds) <= 1:
            out[name] = _stack_coded(pieces, lengths, order)  # type: ignore[arg-type]
            continue
        frames = [
            pd.DataFrame({name: p.values() if isinstance(p, CodedColumn) else p}, copy=False)
            if p is not None
            else pd.DataFrame(index=pd.RangeIndex(size))
            for p, size in zip(pieces, lengths, strict=True)
        ]
        values = pd.concat(frames, ignore_index=True)[name].to_numpy()
        del frames, pieces
        if values.dtype == object:
            values = shared_strings(values)
            values[pd.isna(values)] = None
        out[name] = values if order is None else values[order]
    return out


def worker_count(config: ResolverConfig) -> int:
    """Processes a run may use: ``config.workers``, by default up to two (one per core)."""
    return config.workers if config.workers is not None else min(2, os.cpu_count() or 1)


def _prepare_all(
    config: ResolverConfig,
    tables: dict[str, TableLike] | None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[_SourceColumns]:
    """Normalise the sources, one per worker process when the input is large.

    Each source is normalised whole by one process (normalisers learn a column's habits,
    e.g. its date order), so the result does not depend on the number of workers.
    """
    workers = worker_count(config)
    n_sources = len(config.sources)
    report = progress or (lambda stage, done, total: None)
    if workers <= 1 or n_sources <= 1 or _input_size(config, tables) < PARALLEL_MIN_INPUT:
        out = []
        for k, source in enumerate(config.sources):
            out.append(_prepare_source_columns(config, source, tables))
            report("normalise", k + 1, n_sources)
        return out
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # the costliest sources first, so that the workers finish together
    work = [_estimated_work(config, source, tables) for source in config.sources]
    order = sorted(range(n_sources), key=lambda k: (-work[k], k))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            k: pool.submit(
                _prepare_source_columns,
                config,
                config.sources[k],
                {config.sources[k].name: tables[config.sources[k].name]}
                if tables is not None and config.sources[k].name in tables
                else None,
            )
            for k in order
        }
        for done, _ in enumerate(as_completed(futures.values()), start=1):
            report("normalise", done, n_sources)
        return [futures[k].result() for k in range(n_sources)]


def prepare(
    config: ResolverConfig,
    tables: dict[str, TableLike] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Prepared:
    """Load and normalise every source of ``config`` into one prepared table.

    ``progress("normalise", sources_done, sources)`` is called as sources finish.
    """
    tables_out, quality_out, extras_out, lengths = [], [], [], []
    fields: set[str] = set()
    input_rows = 0
    derived: set[str] = set()
    for source, (table_cols, quality, extras_cols, n_input, derived_cols) in zip(
        config.sources, _prepare_all(config, tables, progress), strict=True
    ):
        derived.update(derived_cols)
        n_records = len(table_cols["source"])
        tables_out.append(table_cols)
        quality_out.append(quality)
        extras_out.append(extras_cols)
        lengths.append(n_records)
        fields |= set(source.fields)
        input_rows += n_input
        log.info(
            "source %s: %d records normalised, %d quality flags",
            source.name,
            n_records,
            len(quality),
        )
    # sort by (source, record_id) column by column: no second copy of the whole table
    keys = _stack_columns(
        [{k: part[k] for k in ("source", "record_id")} for part in tables_out], lengths
    )
    order = np.lexsort((keys["record_id"], keys["source"]))
    del keys
    # missing values are None; equal strings share one object across sources
    columns = _stack_columns(tables_out, lengths, order)
    table = pd.DataFrame(
        {c: columns.pop(c) for c in _derived_keys_last(list(columns), derived)}, copy=False
    )
    del columns
    extras_stacked = _stack_columns(extras_out, lengths, order)
    # column order must not depend on the order of sources in the config
    extras_data = {}
    for col in sorted(extras_stacked):
        values = extras_stacked.pop(col)
        if values.dtype != object:  # object columns come stacked with None and shared strings
            values = values.astype(object)
            values[pd.isna(values)] = None
            values = shared_strings(values)
        extras_data[col] = values
    extras = pd.DataFrame(extras_data, index=pd.RangeIndex(len(table)), copy=False)
    del extras_data
    if config.pseudonymise_key_env is not None:
        key = _pseudonymisation_key(config.pseudonymise_key_env)
        table = pseudonymise(table, key)
        extras = pseudonymise(extras, key)
    quality = pd.concat(quality_out, ignore_index=True)
    quality = quality.sort_values(list(QUALITY_COLUMNS), kind="stable").reset_index(drop=True)
    return Prepared(
        table=table,
        quality=quality[list(QUALITY_COLUMNS)],
        extras=extras,
        fields=fields,
        input_rows=input_rows,
    )
