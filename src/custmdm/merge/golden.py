"""Golden records by per-attribute survivorship, with attribute-level lineage.

For each cluster and attribute group the surviving record is the first after
sorting the candidates by the group's rule list:

``trust``
    the source's trust rank, higher first;
``most_recent``
    ``updated_at``, newest first (records without one last);
``most_frequent``
    how many records of the cluster carry the same normalised value;
``most_complete``
    how many parts of the group are filled, then the length of the value;

and finally by ``(source, record_id)``, so the choice never depends on row order.
Only valid values compete: a value the normalisers rejected is missing here
(it stays in ``quality.csv``), which is the valid-over-invalid rule.

Names and addresses survive as a whole group from one record, so a golden
record never pairs one record's first name with another's surname. Phones and
emails keep every distinct value.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custmdm.schema import LINEAGE_COLUMNS

DEFAULT_RULES: tuple[str, ...] = ("trust", "most_complete", "most_recent", "most_frequent")
ADDRESS_RULES: tuple[str, ...] = ("most_recent", "trust", "most_complete", "most_frequent")

#: Attribute groups surviving together: group name -> (rules, [(attribute, value column)]).
GROUPS: dict[str, tuple[tuple[str, ...], list[tuple[str, str]]]] = {
    "name": (
        DEFAULT_RULES,
        [
            ("full_name", "_full_name_display"),
            ("first_name", "_first_name_display"),
            ("middle_name", "_middle_name_display"),
            ("last_name", "_last_name_display"),
        ],
    ),
    "birth_date": (DEFAULT_RULES, [("birth_date", "birth_date")]),
    "phone": (("most_frequent", "trust", "most_recent"), [("phone", "phone")]),
    "email": (("most_frequent", "trust", "most_recent"), [("email", "email")]),
    "address": (
        ADDRESS_RULES,
        [
            ("address", "_address_display"),
            ("postcode", "postcode"),
            ("city", "_city_display"),
            ("street", "_street_display"),
            ("house_number", "house_number"),
        ],
    ),
    "national_id": (DEFAULT_RULES, [("national_id", "national_id")]),
}


def customer_id_for(source: str, record_id: str) -> str:
    """Deterministic customer id from the cluster's first member (by source, record_id)."""
    digest = hashlib.sha256(f"{source}\x1f{record_id}".encode()).hexdigest()
    return f"C{digest[:15].upper()}"


def _title(value: object) -> object:
    if not isinstance(value, str) or not value:
        return None
    return " ".join(part[:1].upper() + part[1:] for part in value.split(" "))


def display_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Columns shown in golden records, derived from normalised and raw columns."""
    out = pd.DataFrame(index=table.index)
    first = table.get("first_name")
    if first is not None:
        parts = [table.get(c) for c in ("first_name", "middle_name", "last_name")]
        out["_full_name_display"] = _display_name(parts, table.index)
        for name, part in zip(("first_name", "middle_name", "last_name"), parts, strict=True):
            if part is not None:
                out[f"_{name}_display"] = _display_name([part], table.index)
    for name, fallback in (("address", "address"), ("street", "street"), ("city", "city")):
        raw = table.get(f"raw_{name}")
        norm = table.get(fallback)
        if raw is not None and norm is not None:
            out[f"_{name}_display"] = raw.where(raw.notna(), norm)
        elif raw is not None:
            out[f"_{name}_display"] = raw
        elif norm is not None:
            out[f"_{name}_display"] = norm
    return out


def _display_name(parts: Sequence[pd.Series | None], index: pd.Index) -> pd.Series:
    """Title-cased name parts joined by single spaces (None when empty).

    Built once per distinct combination of parts, not once per record.
    """
    n = len(index)
    combo = np.zeros(n, dtype=np.int64)
    positions: list[np.ndarray] = []
    texts: list[np.ndarray] = []
    for part in parts:
        if part is None:
            titled: list[object] = []
            codes = np.full(n, -1, dtype=np.int64)
        else:
            codes, uniques = pd.factorize(part, use_na_sentinel=True)
            titled = [_title(u) for u in uniques]
        # a missing part (or one _title empties) is ""; position len(titled) holds it
        text = np.array([t if t is not None else "" for t in titled] + [""], dtype=object)
        pos = np.where(codes < 0, len(titled), codes).astype(np.int64)
        combo, _ = pd.factorize(combo * len(text) + pos)
        positions.append(pos)
        texts.append(text)
    _, first, inverse = np.unique(combo, return_index=True, return_inverse=True)
    shown = []
    for row in first.tolist():
        joined = " ".join(
            " ".join(str(t[p[row]]) for t, p in zip(texts, positions, strict=True)).split()
        )
        shown.append(joined if joined else None)
    return pd.Series(np.array(shown, dtype=object)[inverse.reshape(-1)], index=index, dtype=object)


def _lexsort_frame(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row order sorting by ``columns`` (as strings), via sorted integer codes."""
    keys = []
    for col in reversed(columns):
        codes, _ = pd.factorize(frame[col].astype(str), sort=True)
        keys.append(codes)
    return np.lexsort(keys) if keys else np.arange(len(frame))


def _map_distinct(values: pd.Series, func: Any) -> pd.Series:
    """Apply ``func`` once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _join_groups(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """'|'-join the values of each key; ``keys`` must be sorted."""
    if keys.size == 0:
        return pd.Series(dtype=object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], keys.size]
    vals = [str(v) for v in values.tolist()]
    joined = ["|".join(vals[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return pd.Series(joined, index=keys[starts], dtype=object)


@dataclass
class GoldenResult:
    golden: pd.DataFrame
    lineage: pd.DataFrame
    crosswalk: pd.DataFrame


def _rank_frame(
    table: Mapping[str, pd.Series], labels: np.ndarray, columns: Sequence[str]
) -> pd.DataFrame:
    n = labels.size
    filled = np.zeros(n, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    for col in columns:
        if col in table:
            values = table[col].to_numpy(dtype=object)
            present = np.flatnonzero(pd.notna(values))
            filled[present] += 1
            # the length of each value's text (0 when missing), in one pass
            length[present] += np.fromiter(
                (len(v) if type(v) is str else len(str(v)) for v in values[present].tolist()),
                dtype=np.int64,
                count=present.size,
            )
    return pd.DataFrame(
        {"cluster": labels, "row": np.arange(n), "filled": filled, "length": length}
    )


def _choose(
    table: Mapping[str, pd.Series],
    labels: np.ndarray,
    rules: Sequence[str],
    columns: Sequence[str],
    key_column: str,
) -> pd.DataFrame:
    """The surviving row per cluster for one attribute group (clusters with any value)."""
    frame = _rank_frame(table, labels, columns)
    frame = frame[frame["filled"] > 0]
    if frame.empty:
        return frame.assign(row=pd.Series(dtype=np.int64))
    rows = frame["row"].to_numpy()
    cluster = frame["cluster"].to_numpy()
    # every sort key as integers (text by its sorted rank), sorted with one np.lexsort:
    # the same order as sorting the frame, since "row" breaks every tie
    keys: dict[str, np.ndarray] = {
        "cluster": cluster,
        "trust": table["trust"].to_numpy()[rows],
        "filled": frame["filled"].to_numpy(),
        "length": frame["length"].to_numpy(),
        "row": rows,
    }
    updated = pd.Series(table["updated_at"].to_numpy()[rows]).fillna("").to_numpy()
    keys["updated"] = pd.factorize(updated, sort=True)[0]
    if key_column in table:
        key = pd.Series(table[key_column].to_numpy()[rows]).fillna("\x00").to_numpy()
        # how many of the cluster's rows carry the same key
        pair = cluster.astype(np.int64) * (rows.size + 1) + pd.factorize(key)[0]
        _, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
        keys["freq"] = counts[inverse]
    else:
        keys["freq"] = np.ones(rows.size, dtype=np.int64)
    sort_cols: list[str] = ["cluster"]
    ascending: list[bool] = [True]
    for rule in rules:
        if rule == "trust":
            sort_cols.append("trust")
        elif rule == "most_recent":
            sort_cols.append("updated")
        elif rule == "most_frequent":
            sort_cols.append("freq")
        elif rule == "most_complete":
            sort_cols.extend(["filled", "length"])
            ascending.append(False)
        ascending.append(False)
    sort_cols.append("row")
    ascending.append(True)
    columns_in_order = [
        keys[c].astype(np.int64) if up else -keys[c].astype(np.int64)
        for c, up in zip(sort_cols, ascending, strict=True)
    ]
    order = np.lexsort(columns_in_order[::-1])
    first = np.ones(order.size, dtype=bool)
    first[1:] = cluster[order][1:] != cluster[order][:-1]
    chosen = order[first]
    return pd.DataFrame({"cluster": cluster[chosen], "row": rows[chosen]})


@dataclass
class _LineagePart:
    """Lineage rows of one attribute: cluster label, value and source row per row."""

    attribute: str
    clusters: np.ndarray
    values: np.ndarray
    rows: np.ndarray


def _record_rank(sources: np.ndarray, record_ids: np.ndarray) -> np.ndarray:
    """Rank of each row's (source, record_id) as strings; equal records share a rank.

    A prepared table is sorted by (source, record_id) with one row per record, so the
    row is the rank (checked in one pass); otherwise the ranks are computed.
    """
    n = sources.size
    if n < 2:
        return np.arange(n)
    if (
        pd.api.types.infer_dtype(sources, skipna=False) == "string"
        and pd.api.types.infer_dtype(record_ids, skipna=False) == "string"
    ):
        s0, s1, r0, r1 = sources[:-1], sources[1:], record_ids[:-1], record_ids[1:]
        if bool(np.all((s0 < s1) | ((s0 == s1) & (r0 < r1)))):
            return np.arange(n)
    s_codes, _ = pd.factorize(pd.Series(sources, copy=False).astype(str), sort=True)
    r_codes, r_uniques = pd.factorize(pd.Series(record_ids, copy=False).astype(str), sort=True)
    key = s_codes.astype(np.int64) * max(len(r_uniques), 1) + r_codes
    return np.unique(key, return_inverse=True)[1].reshape(-1)


def code_dtype(n_categories: int) -> type[np.signedinteger[Any]]:
    """The integer type pandas keeps categorical codes in (so ``from_codes`` need not copy)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _lineage_columns(
    parts: list[_LineagePart],
    cluster_ids: np.ndarray,
    customer_rank: np.ndarray,
    codes: _LineageCodes,
) -> dict[str, np.ndarray]:
    """Lineage columns as codes, rows sorted by (customer_id, attribute, value, source,
    record_id): see :class:`_LineageCodes`; ``value`` holds the values themselves.

    Sorts on integer keys: a customer id's rank, an attribute's rank, the value's rank and
    the record's rank, so only the values are compared as strings.
    """
    if not parts:
        empty = np.zeros(0, dtype=np.int32)
        return {**{c: empty for c in LINEAGE_COLUMNS}, "value": np.zeros(0, dtype=object)}
    position = np.searchsorted(cluster_ids, np.concatenate([p.clusters for p in parts]))
    attribute = np.concatenate(
        [np.full(p.rows.size, codes.attribute(p.attribute), dtype=np.int16) for p in parts]
    )
    values = np.concatenate([np.asarray(p.values, dtype=object) for p in parts])
    rows = np.concatenate([p.rows for p in parts]).astype(np.int64, copy=False)
    parts.clear()
    value_codes, _ = pd.factorize(pd.Series(values, copy=False).astype(str), sort=True)
    customer = customer_rank[position]
    # attribute codes are in order of first use; sort by the attribute's name
    attribute_rank = codes.attribute_rank()
    order = np.lexsort((codes.record_rank[rows], value_codes, attribute_rank[attribute], customer))
    del value_codes
    rows = rows[order]
    columns = {
        "customer_id": customer[order],
        "attribute": attribute[order],
        "value": values[order],
        "source": codes.source[rows],
        "record_id": codes.record_id[rows],
    }
    return {c: columns[c] for c in LINEAGE_COLUMNS}


@dataclass
class _LineageCodes:
    """What lineage rows are coded by: its text columns are categoricals, not one object
    pointer per row (lineage has about six rows per record).

    ``source`` and ``record_id`` code each table row against the sorted distinct sources and
    record ids (``record_rank`` orders rows by (source, record_id)); customer ids are
    ranks among the sorted customer ids; attributes get codes in order of first use.
    """

    source: np.ndarray
    sources: np.ndarray
    record_id: np.ndarray
    record_ids: np.ndarray
    record_rank: np.ndarray
    attributes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, sources: np.ndarray, record_ids: np.ndarray) -> _LineageCodes:
        source_codes, source_names = pd.factorize(sources, sort=True)
        record_codes, record_names = pd.factorize(record_ids, sort=True)
        # codes in the integer type pandas keeps them in: from_codes need not copy them
        return cls(
            source=source_codes.astype(code_dtype(len(source_names))),
            sources=np.asarray(source_names, dtype=object),
            record_id=record_codes.astype(code_dtype(len(record_names))),
            record_ids=np.asarray(record_names, dtype=object),
            record_rank=_record_rank(sources, record_ids),
        )

    def attribute(self, name: str) -> int:
        return self.attributes.setdefault(name, len(self.attributes))

    def attribute_rank(self) -> np.ndarray:
        names = list(self.attributes)
        rank = np.empty(len(names), dtype=np.int32)
        rank[np.argsort(np.asarray(names, dtype=object), kind="stable")] = np.arange(len(names))
        return rank

    def frame(self, parts: list[dict[str, np.ndarray]], customer_ids: np.ndarray) -> pd.DataFrame:
        """The lineage frame of stacked chunks; ``customer_ids`` sorted."""
        names = np.asarray(list(self.attributes), dtype=object)
        order = np.argsort(names, kind="stable")
        categories = {
            "customer_id": customer_ids,
            "attribute": names[order],
            "source": self.sources,
            "record_id": self.record_ids,
        }
        data: dict[str, object] = {}
        for col in LINEAGE_COLUMNS:
            stacked = np.concatenate([part.pop(col) for part in parts])
            if col == "value":
                data[col] = stacked
                continue
            if col == "attribute":
                rank = self.attribute_rank().astype(code_dtype(len(names)))
                stacked = rank[stacked] if stacked.size else stacked.astype(rank.dtype)
            coded = pd.Categorical.from_codes(
                stacked, categories=pd.Index(categories[col], dtype=object), validate=False
            )
            del stacked
            used = np.bincount(coded.codes, minlength=len(categories[col])) > 0
            data[col] = coded if used.all() else coded.remove_unused_categories()
        parts.clear()
        return pd.DataFrame(data, copy=False)


def lineage_categories(lineage: pd.DataFrame) -> pd.DataFrame:
    """``lineage`` with the dtypes :func:`build_golden` gives it: every column but ``value``
    categorical, categories the sorted values that occur."""
    return lineage.assign(
        **{c: pd.Categorical(lineage[c]) for c in LINEAGE_COLUMNS if c != "value"}
    )


#: Records per chunk of whole clusters that golden records and lineage are built for at once.
#: Survivorship looks at one cluster at a time and both outputs sort by customer id first,
#: so chunks of consecutive customer ids give the same rows as one pass, with the sort
#: and ranking temporaries of one chunk only. Measured at 1M records: chunks of 25k-100k
#: records merge in 29-31 s, chunks of 250k in 33-36 s, with the same peak memory.
MERGE_CHUNK_RECORDS = 50_000

#: Table columns survivorship reads, beside the value columns of GROUPS.
_MERGE_INPUTS = (
    "trust",
    "updated_at",
    "first_name",
    "middle_name",
    "last_name",
    "raw_full_name",
    "raw_address",
    "raw_street",
    "raw_city",
    "address",
    "street",
    "city",
    "phones",
    "emails",
)


def merge_inputs(columns: Iterable[object]) -> list[str]:
    """The columns among ``columns`` that :func:`build_golden` reads, beside source and id."""
    value_columns = {col for _, attrs in GROUPS.values() for _, col in attrs}
    return [str(c) for c in columns if c in value_columns or c in _MERGE_INPUTS]


def _stack_columns(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Row-wise concatenation of chunks' columns, one column at a time.

    Each chunk's column is released once stacked, so memory holds one copy of the result
    plus one column, not two copies as ``pd.concat`` would.
    """
    data: dict[str, np.ndarray] = {}
    for col in list(parts[0]):
        data[col] = np.concatenate([part.pop(col) for part in parts])
    parts.clear()
    return pd.DataFrame(data, copy=False)


def _chunks(order: np.ndarray, sizes: np.ndarray, limit: int) -> list[np.ndarray]:
    """``order`` (cluster positions) cut into runs of about ``limit`` records each."""
    if not order.size:
        return []
    ends = np.cumsum(sizes[order])
    return np.split(order, np.flatnonzero(np.diff(ends // max(limit, 1)) > 0) + 1)


def build_golden(
    table: pd.DataFrame,
    extras: pd.DataFrame,
    labels: np.ndarray,
    workers: int = 1,
) -> GoldenResult:
    """Golden records, lineage and crosswalk for clustered records.

    ``labels`` gives each row's cluster as the row index of its first member. With
    ``workers`` > 1 (and the ``fork`` start method), chunks of clusters are also merged by a
    forked worker process; the output is the same.
    """
    n = len(table)
    sources = table["source"].to_numpy()
    record_ids = table["record_id"].to_numpy()
    cluster_ids = np.unique(labels)
    # customer id per cluster, in the order of cluster_ids (sorted labels)
    customer_ids = np.array(
        [customer_id_for(str(sources[c]), str(record_ids[c])) for c in cluster_ids.tolist()],
        dtype=object,
    )
    position = np.searchsorted(cluster_ids, labels)
    customer = customer_ids[position] if n else np.zeros(0, dtype=object)
    crosswalk = pd.DataFrame({"source": sources, "record_id": record_ids, "customer_id": customer})
    del customer

    inputs = merge_inputs(table.columns)
    codes = _LineageCodes.of(sources, record_ids)
    sizes = np.bincount(labels, minlength=n)
    cluster_sizes = sizes[cluster_ids]
    by_customer = np.argsort(customer_ids, kind="stable")
    customer_rank = np.empty(cluster_ids.size, dtype=np.int32)
    customer_rank[by_customer] = np.arange(cluster_ids.size, dtype=np.int32)
    chunks = _chunks(by_customer, cluster_sizes, MERGE_CHUNK_RECORDS)
    if len(chunks) <= 1:
        chunks = [np.arange(cluster_ids.size)]

    def merge_chunk(k: int) -> _ChunkResult:
        chunk = chunks[k]
        if len(chunks) > 1:
            chunk = np.sort(chunk)  # cluster positions in cluster_ids order, as one pass has them
            in_chunk = np.zeros(cluster_ids.size, dtype=bool)
            in_chunk[chunk] = True
            rows = np.flatnonzero(in_chunk[position])  # ascending: the table's row order holds
            part = pd.DataFrame({c: table[c].to_numpy()[rows] for c in inputs}, copy=False)
            ext = pd.DataFrame({str(c): v.to_numpy()[rows] for c, v in extras.items()}, copy=False)
        else:
            rows = np.arange(n)
            part, ext = table, extras
        golden_columns, lineage_columns = _golden_chunk(
            part,
            ext,
            labels[rows],
            rows,
            cluster_ids[chunk],
            customer_ids[chunk],
            customer_rank[chunk],
            cluster_sizes[chunk],
            sources,
            codes,
        )
        return golden_columns, lineage_columns, list(codes.attributes)

    results = _merge_chunks(merge_chunk, len(chunks), workers)
    golden_parts: list[dict[str, np.ndarray]] = []
    lineage_parts: list[dict[str, np.ndarray]] = []
    for golden_columns, lineage_columns, attributes in results:
        # a worker's attribute codes are its own: recode them to this process's
        recode = np.array([codes.attribute(name) for name in attributes], dtype=np.int16)
        lineage_columns["attribute"] = recode[lineage_columns["attribute"]]
        golden_parts.append(golden_columns)
        lineage_parts.append(lineage_columns)
    results.clear()
    golden = _stack_columns(golden_parts)
    lineage = codes.frame(lineage_parts, customer_ids[by_customer])
    # the prepared table is sorted by (source, record_id) already, so is the crosswalk
    return GoldenResult(golden=golden, lineage=lineage, crosswalk=crosswalk)


#: Golden columns, lineage columns and the attribute names their codes stand for.
_ChunkResult = tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[str]]

#: The chunk merger a forked worker runs (set before the fork, inherited by the child).
_FORKED_MERGE: Callable[[int], _ChunkResult] | None = None


def _merge_forked(k: int) -> _ChunkResult:
    assert _FORKED_MERGE is not None
    return _FORKED_MERGE(k)


def _merge_chunks(
    merge_chunk: Callable[[int], _ChunkResult], n_chunks: int, workers: int
) -> list[_ChunkResult]:
    """``[merge_chunk(k) for k in range(n_chunks)]``, the later chunks in forked workers.

    This process merges the first chunks while ``workers - 1`` forked processes merge the
    rest, one chunk per task so results stream back as they are done. The children see the
    table through fork (nothing is sent to them) and send back only their chunks' outputs.
    """
    global _FORKED_MERGE
    if workers <= 1 or n_chunks < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [merge_chunk(k) for k in range(n_chunks)]
    own = n_chunks - n_chunks * (workers - 1) // workers  # an equal share, the rest first
    _FORKED_MERGE = merge_chunk
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
            futures = [pool.submit(_merge_forked, k) for k in range(own, n_chunks)]
            results = [merge_chunk(k) for k in range(own)]
            results += [future.result() for future in futures]
    finally:
        _FORKED_MERGE = None
    return results


def _golden_chunk(
    table: pd.DataFrame,
    extras: pd.DataFrame,
    labels: np.ndarray,
    rows_of: np.ndarray,
    cluster_ids: np.ndarray,
    customer_ids: np.ndarray,
    customer_rank: np.ndarray,
    cluster_sizes: np.ndarray,
    sources: np.ndarray,
    codes: _LineageCodes,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Golden records and lineage (as columns) of whole clusters: the rows of ``table``.

    ``rows_of`` maps a row of ``table`` to its row in the full table (what ``sources``
    and ``codes`` are indexed by); ``labels`` and ``cluster_ids``
    are full-table row indices, as :func:`build_golden` takes them.
    """
    n = len(table)
    part_sources = sources[rows_of]
    # the table's columns and the display columns, without copying the table
    view: dict[str, pd.Series] = {str(c): v for c, v in table.items()}
    view.update({str(c): v for c, v in display_columns(table).items()})
    golden = pd.DataFrame({"customer_id": customer_ids})
    golden["cluster"] = cluster_ids
    golden["n_records"] = cluster_sizes
    src_lists = (
        pd.DataFrame({"cluster": labels, "source": part_sources})
        .drop_duplicates()
        .sort_values(["cluster", "source"])
    )
    golden["sources"] = golden["cluster"].map(
        _join_groups(src_lists["cluster"].to_numpy(), src_lists["source"].to_numpy())
    )
    del src_lists

    lineage_parts: list[_LineagePart] = []
    for _group, (rules, attrs) in GROUPS.items():
        columns = [col for _, col in attrs if col in view]
        if not columns:
            continue
        chosen = _choose(view, labels, rules, columns, columns[0])
        rows = chosen["row"].to_numpy()
        for attr, col in attrs:
            if col not in view:
                continue
            values = view[col].to_numpy()[rows]
            series = pd.Series(values, index=chosen["cluster"].to_numpy())
            golden[attr] = golden["cluster"].map(series)
            ok = pd.notna(values)
            lineage_parts.append(
                _LineagePart(attr, chosen["cluster"].to_numpy()[ok], values[ok], rows_of[rows[ok]])
            )

    for multi, single in (("phones", "phones"), ("emails", "emails")):
        if single not in view:
            continue
        exploded = pd.DataFrame(
            {"cluster": labels, "row": np.arange(n), "value": view[single].to_numpy()}
        )
        exploded = exploded[exploded["value"].notna()]
        exploded["value"] = exploded["value"].str.split("|")
        exploded = exploded.explode("value")
        exploded = exploded[exploded["value"].astype(bool)]
        exploded = exploded.sort_values(["cluster", "value", "row"], kind="stable").drop_duplicates(
            ["cluster", "value"]
        )
        golden[multi] = golden["cluster"].map(
            _join_groups(exploded["cluster"].to_numpy(), exploded["value"].to_numpy())
        )
        lineage_parts.append(
            _LineagePart(
                multi,
                exploded["cluster"].to_numpy(),
                exploded["value"].to_numpy(),
                rows_of[exploded["row"].to_numpy()],
            )
        )
        del exploded
    del view

    if len(extras.columns):
        ext: dict[str, pd.Series] = {str(c): v for c, v in extras.reset_index(drop=True).items()}
        ext["trust"] = table["trust"]
        ext["updated_at"] = table["updated_at"]
        for col in extras.columns:
            chosen = _choose(ext, labels, DEFAULT_RULES, [col], col)
            rows = chosen["row"].to_numpy()
            values = ext[col].to_numpy()[rows]
            name = col if col not in golden.columns else f"extra_{col}"
            golden[name] = golden["cluster"].map(
                pd.Series(values, index=chosen["cluster"].to_numpy())
            )
            ok = pd.notna(values)
            lineage_parts.append(
                _LineagePart(
                    name,
                    chosen["cluster"].to_numpy()[ok],
                    _as_text(values[ok]),
                    rows_of[rows[ok]],
                )
            )

    golden = (
        golden.drop(columns=["cluster"])
        .sort_values("customer_id", kind="stable")
        .reset_index(drop=True)
    )
    # every column as objects, missing values None (as ``astype(object).where(notna)``)
    golden_columns: dict[str, np.ndarray] = {}
    for col in list(golden.columns):
        values = golden.pop(col).astype(object).to_numpy()
        values[pd.isna(values)] = None
        golden_columns[str(col)] = values
    lineage = _lineage_columns(lineage_parts, cluster_ids, customer_rank, codes)
    return golden_columns, lineage


def _as_text(values: np.ndarray) -> np.ndarray:
    """``values.astype(str)`` as objects; for text, one object per distinct value, not per row."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        # other kinds convert value by value: 1, 1.0 and True are equal but print differently
        return np.asarray(values.astype(str), dtype=object)
    codes, uniques = pd.factorize(values)
    text = np.asarray(np.asarray(uniques, dtype=object).astype(str), dtype=object)
    return text[codes]
