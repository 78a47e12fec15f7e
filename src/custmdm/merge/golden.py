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
    return _customer_ids([source], [record_id])[0]


def _customer_ids(sources: Iterable[object], record_ids: Iterable[object]) -> list[str]:
    """:func:`customer_id_for` of each (source, record_id) pair, in one loop."""
    sha = hashlib.sha256
    return [
        "C" + sha(f"{s}\x1f{r}".encode()).hexdigest()[:15].upper()
        for s, r in zip(sources, record_ids, strict=True)
    ]


def _title(value: object) -> object:
    if not isinstance(value, str) or not value:
        return None
    return " ".join(part[:1].upper() + part[1:] for part in value.split(" "))


def _shown_part(value: object) -> str:
    """A name part as shown: its title-cased words joined by single spaces ("" when none)."""
    titled = _title(value)
    return " ".join(titled.split()) if isinstance(titled, str) else ""


def display_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Columns shown in golden records, derived from normalised and raw columns."""
    out = pd.DataFrame(index=table.index)
    first = table.get("first_name")
    if first is not None:
        names = ("first_name", "middle_name", "last_name")
        shown = {name: _shown_parts(table.get(name), len(table)) for name in names}
        out["_full_name_display"] = _none_if_empty(_join_words(list(shown.values())))
        for name in names:
            if name in table:
                out[f"_{name}_display"] = _none_if_empty(shown[name])
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


def _shown_parts(part: pd.Series | None, n: int) -> np.ndarray:
    """Each row's name part as shown ("" when missing), titled once per distinct value."""
    if part is None:
        return np.full(n, "", dtype=object)
    codes, uniques = pd.factorize(part, use_na_sentinel=True)
    # code -1 (missing) takes the last entry, ""
    shown = np.array([_shown_part(u) for u in uniques] + [""], dtype=object)
    return shown[codes]


def _join_words(parts: list[np.ndarray]) -> np.ndarray:
    """Row-wise join of shown name parts by single spaces, skipping empty parts.

    The same text as joining the parts by spaces and collapsing whitespace, since every
    shown part is already collapsed.
    """
    joined = parts[0]
    for part in parts[1:]:
        space = np.where((joined != "") & (part != ""), " ", "").astype(object)
        joined = joined + space + part
    return joined


def _none_if_empty(values: np.ndarray) -> np.ndarray:
    out = values.copy()
    out[values == ""] = None
    return out


@dataclass
class GoldenResult:
    golden: pd.DataFrame
    lineage: pd.DataFrame
    crosswalk: pd.DataFrame


@dataclass
class _Ranking:
    """The sort keys of a chunk's rows that every attribute group shares, computed once."""

    #: each row's cluster as a position among the chunk's clusters (sorted labels)
    cluster: np.ndarray
    n_clusters: int
    trust: np.ndarray
    #: rank of ``updated_at`` among the chunk's values, missing as "" (lowest)
    updated: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame, labels: np.ndarray, cluster_ids: np.ndarray) -> _Ranking:
        updated = pd.Series(table["updated_at"].to_numpy(), copy=False).fillna("").to_numpy()
        return cls(
            cluster=np.searchsorted(cluster_ids, labels),
            n_clusters=cluster_ids.size,
            trust=table["trust"].to_numpy(),
            updated=pd.factorize(updated, sort=True)[0],
        )


def _choose(
    table: Mapping[str, pd.Series],
    ranking: _Ranking,
    rules: Sequence[str],
    columns: Sequence[str],
    key_column: str,
) -> np.ndarray:
    """The surviving row of each cluster for one attribute group, -1 for a cluster none of
    whose rows has a value in ``columns``.

    The candidates are the rows with a value. Each rule's key (as an integer, larger wins;
    text by its rank among the chunk's values) keeps the candidates that score best in
    their cluster, then the first row wins: the first row after sorting by the keys. A key
    is computed only for the candidates of clusters still tied, and a cluster is settled
    as soon as one candidate is left.
    """
    size = ranking.n_clusters
    chosen = np.full(size, -1, dtype=np.int64)
    values = {c: table[c].to_numpy(dtype=object) for c in columns if c in table}
    filled = np.zeros(ranking.cluster.size, dtype=np.int64)
    for col_values in values.values():
        filled += pd.notna(col_values)
    rows = np.flatnonzero(filled)  # ascending: the first of a cluster's rows wins a tie
    cluster = ranking.cluster[rows]

    def length(left: np.ndarray) -> np.ndarray:
        """The length of the group's text (0 for missing parts) of each candidate left."""
        out = np.zeros(left.size, dtype=np.int64)
        for col_values in values.values():
            candidates = col_values[rows[left]]
            present = np.flatnonzero(pd.notna(candidates))
            out[present] += np.fromiter(
                (len(v) if type(v) is str else len(str(v)) for v in candidates[present].tolist()),
                dtype=np.int64,
                count=present.size,
            )
        return out

    def frequency(left: np.ndarray) -> np.ndarray:
        """How many of its cluster's candidates carry each left candidate's key value."""
        if key_column not in table:
            return np.ones(left.size, dtype=np.int64)
        tied = np.zeros(size, dtype=bool)
        tied[cluster[left]] = True
        among = np.flatnonzero(tied[cluster])  # every candidate of those clusters
        key = pd.Series(table[key_column].to_numpy()[rows[among]]).fillna("\x00").to_numpy()
        pair = cluster[among].astype(np.int64) * (among.size + 1) + pd.factorize(key)[0]
        pair_codes = pd.factorize(pair)[0]
        counts = np.bincount(pair_codes)[pair_codes]
        return counts[np.searchsorted(among, left)]

    keys: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "trust": lambda left: ranking.trust[rows[left]],
        "most_recent": lambda left: ranking.updated[rows[left]],
        "filled": lambda left: filled[rows[left]],
        "most_frequent": frequency,
        "length": length,
    }
    steps = [
        k for rule in rules for k in (("filled", "length") if rule == "most_complete" else (rule,))
    ]
    left = np.arange(rows.size)
    for step in [*steps, None]:
        alone = np.bincount(cluster[left], minlength=size)[cluster[left]] == 1
        chosen[cluster[left[alone]]] = rows[left[alone]]
        left = left[~alone]
        if not left.size:
            return chosen
        if step is None:
            break
        score = keys[step](left).astype(np.int64)
        best = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(best, cluster[left], score)
        left = left[score == best[cluster[left]]]
    # ties on every key: the first row (``left`` is ascending)
    _, first = np.unique(cluster[left], return_index=True)
    chosen[cluster[left[first]]] = rows[left[first]]
    return chosen


@dataclass
class _LineagePart:
    """Lineage rows of one attribute: cluster position, value and source row per row."""

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
    customer_rank: np.ndarray,
    codes: _LineageCodes,
) -> dict[str, np.ndarray]:
    """Lineage columns as codes, rows sorted by (customer_id, attribute, value, source,
    record_id): see :class:`_LineageCodes`; ``value`` holds the values themselves.

    Sorts on integer keys: a customer id's rank, an attribute's rank, the value's rank and
    the record's rank. Values are compared as strings only within a (customer, attribute)
    pair of several rows; elsewhere their rank cannot change the order.
    """
    if not parts:
        empty = np.zeros(0, dtype=np.int32)
        return {**{c: empty for c in LINEAGE_COLUMNS}, "value": np.zeros(0, dtype=object)}
    position = np.concatenate([p.clusters for p in parts])
    attribute = np.concatenate(
        [np.full(p.rows.size, codes.attribute(p.attribute), dtype=np.int16) for p in parts]
    )
    values = np.concatenate([np.asarray(p.values, dtype=object) for p in parts])
    rows = np.concatenate([p.rows for p in parts]).astype(np.int64, copy=False)
    parts.clear()
    n_attributes = len(codes.attributes)
    pair = position.astype(np.int64) * n_attributes + attribute
    several = np.flatnonzero(
        np.bincount(pair, minlength=customer_rank.size * n_attributes)[pair] > 1
    )
    del pair
    value_codes = np.zeros(values.size, dtype=np.int64)
    value_codes[several] = pd.factorize(
        pd.Series(values[several], copy=False).astype(str), sort=True
    )[0]
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
            names_of = categories[col]
            used = np.bincount(stacked, minlength=len(names_of)) > 0
            if not used.all():
                # drop unused categories, keeping the order (as remove_unused_categories)
                names_of = names_of[used]
                recode = (np.cumsum(used) - 1).astype(code_dtype(len(names_of)))
                stacked = recode[stacked]
            data[col] = pd.Categorical.from_codes(
                stacked, categories=pd.Index(names_of, dtype=object), validate=False
            )
            del stacked
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
    sizes = np.bincount(labels, minlength=n)
    cluster_ids = np.flatnonzero(sizes)  # the distinct labels, sorted
    # customer id per cluster, in the order of cluster_ids (sorted labels)
    customer_ids = np.array(
        _customer_ids(sources[cluster_ids].tolist(), record_ids[cluster_ids].tolist()),
        dtype=object,
    )
    # each row's cluster as a position in cluster_ids
    position = (np.cumsum(sizes > 0) - 1)[labels]
    customer = customer_ids[position] if n else np.zeros(0, dtype=object)
    crosswalk = pd.DataFrame({"source": sources, "record_id": record_ids, "customer_id": customer})
    del customer

    inputs = merge_inputs(table.columns)
    codes = _LineageCodes.of(sources, record_ids)
    cluster_sizes = sizes[cluster_ids]
    del sizes
    # as fixed-width bytes the ids (ASCII: "C" and hex digits) sort in the same order,
    # without comparing objects
    by_customer = np.argsort(customer_ids.astype("S"), kind="stable")
    customer_rank = np.empty(cluster_ids.size, dtype=np.int32)
    customer_rank[by_customer] = np.arange(cluster_ids.size, dtype=np.int32)
    chunks = _chunks(by_customer, cluster_sizes, MERGE_CHUNK_RECORDS)
    if len(chunks) <= 1:
        chunks = [np.arange(cluster_ids.size)]
    else:
        # each chunk's rows, ascending (the table's row order holds), found in one pass
        chunk_of = np.empty(cluster_ids.size, dtype=np.int32)
        for k, chunk in enumerate(chunks):
            chunk_of[chunk] = k
        row_chunk = chunk_of[position]
        rows_by_chunk = np.argsort(row_chunk, kind="stable")
        ends = np.cumsum(np.bincount(row_chunk, minlength=len(chunks)))
        del chunk_of, row_chunk

    def merge_chunk(k: int) -> _ChunkResult:
        chunk = chunks[k]
        if len(chunks) > 1:
            chunk = np.sort(chunk)  # cluster positions in cluster_ids order, as one pass has them
            rows = rows_by_chunk[(ends[k - 1] if k else 0) : ends[k]]
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


def _join_runs(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """'|'-join the values of each key (positions below ``size``, sorted); None for a key
    without values."""
    out = np.full(size, None, dtype=object)
    if not keys.size:
        return out
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = np.array([str(v) for v in values.tolist()], dtype=object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], keys.size]
    one = ends - starts == 1
    out[keys[starts[one]]] = values[starts[one]]
    vals = values.tolist()
    out[keys[starts[~one]]] = [
        "|".join(vals[a:b]) for a, b in zip(starts[~one].tolist(), ends[~one].tolist(), strict=True)
    ]
    return out


def _split_values(
    values: np.ndarray, cluster: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct non-empty '|'-separated values of each cluster: (cluster, value, row)
    sorted by cluster then value, ``row`` the first row carrying the value.

    Each distinct cell is split once; the pieces are ranked as strings once.
    """
    present = np.flatnonzero(pd.notna(values))
    cells, distinct = pd.factorize(values[present])
    pieces = [
        [p for p in u.split("|") if p] if "|" in u else [u] if u else []
        for u in (str(u) for u in distinct.tolist())
    ]
    counts = np.array([len(p) for p in pieces], dtype=np.int64)
    piece_codes, piece_values = pd.factorize(
        np.array([p for ps in pieces for p in ps], dtype=object), sort=True
    )
    starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    per_row = counts[cells]
    rows = np.repeat(present, per_row)
    # the k-th piece of a row's cell: its cell's first piece + k
    within = np.arange(rows.size) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    value = piece_codes[np.repeat(starts[cells], per_row) + within] if rows.size else within
    clusters = cluster[rows]
    order = np.lexsort((rows, value, clusters))
    clusters, value, rows = clusters[order], value[order], rows[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (clusters[1:] != clusters[:-1]) | (value[1:] != value[:-1])
    texts = np.asarray(piece_values, dtype=object)
    return clusters[first], texts[value[first]], rows[first]


def _per_cluster(values: np.ndarray, positions: np.ndarray, size: int) -> np.ndarray:
    """``values`` placed at cluster ``positions`` among ``size`` clusters, missing elsewhere,
    as mapping each cluster through a Series of the values would give (same dtype)."""
    if values.dtype == object:
        out = np.full(size, None, dtype=object)
        out[positions] = values
        return out
    return pd.Series(np.arange(size)).map(pd.Series(values, index=positions)).to_numpy()


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
    and ``codes`` are indexed by); ``labels`` and ``cluster_ids`` (sorted)
    are full-table row indices, as :func:`build_golden` takes them.
    """
    size = cluster_ids.size
    ranking = _Ranking.of(table, labels, cluster_ids)
    cluster = ranking.cluster
    # the table's columns and the display columns, without copying the table
    view: dict[str, pd.Series] = {str(c): v for c, v in table.items()}
    view.update({str(c): v for c, v in display_columns(table).items()})
    golden: dict[str, np.ndarray] = {"customer_id": customer_ids, "n_records": cluster_sizes}
    # each cluster's distinct sources in text order (source codes follow it)
    n_sources = max(codes.sources.size, 1)
    pairs = np.unique(cluster.astype(np.int64) * n_sources + codes.source[rows_of])
    golden["sources"] = _join_runs(pairs // n_sources, codes.sources[pairs % n_sources], size)
    del pairs

    lineage_parts: list[_LineagePart] = []

    def survive(
        values_of: Mapping[str, pd.Series],
        rules: Sequence[str],
        attrs: Sequence[tuple[str, str]],
        as_text: bool = False,
    ) -> None:
        """Golden columns and lineage of the attributes surviving together from one row."""
        columns = [col for _, col in attrs]
        chosen = _choose(values_of, ranking, rules, columns, columns[0])
        positions = np.flatnonzero(chosen >= 0)
        rows = chosen[positions]
        for attr, col in attrs:
            values = values_of[col].to_numpy()[rows]
            golden[attr] = _per_cluster(values, positions, size)
            ok = pd.notna(values)
            lineage_parts.append(
                _LineagePart(
                    attr,
                    positions[ok],
                    _as_text(values[ok]) if as_text else values[ok],
                    rows_of[rows[ok]],
                )
            )

    for _group, (rules, attrs) in GROUPS.items():
        present = [(attr, col) for attr, col in attrs if col in view]
        if present:
            survive(view, rules, present)

    for multi in ("phones", "emails"):
        if multi not in view:
            continue
        clusters, values, rows = _split_values(view[multi].to_numpy(), cluster)
        golden[multi] = _join_runs(clusters, values, size)
        lineage_parts.append(_LineagePart(multi, clusters, values, rows_of[rows]))
    del view

    if len(extras.columns):
        ext: dict[str, pd.Series] = {str(c): v for c, v in extras.reset_index(drop=True).items()}
        ext["trust"] = table["trust"]
        ext["updated_at"] = table["updated_at"]
        for col in extras.columns:
            name = col if col not in golden and col != "cluster" else f"extra_{col}"
            survive(ext, DEFAULT_RULES, [(name, col)], as_text=True)

    # rows by customer id (customer ids are distinct); every column as objects, missing
    # values None (as ``astype(object).where(notna)``)
    order = np.argsort(customer_rank, kind="stable")
    golden_columns: dict[str, np.ndarray] = {}
    for col in list(golden):
        values = pd.Series(golden.pop(col)[order], copy=False).astype(object).to_numpy()
        values[pd.isna(values)] = None
        golden_columns[str(col)] = values
    lineage = _lineage_columns(lineage_parts, customer_rank, codes)
    return golden_columns, lineage


def _as_text(values: np.ndarray) -> np.ndarray:
    """``values.astype(str)`` as objects; for text, one object per distinct value, not per row."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        # other kinds convert value by value: 1, 1.0 and True are equal but print differently
        return np.asarray(values.astype(str), dtype=object)
    codes, uniques = pd.factorize(values)
    text = np.asarray(np.asarray(uniques, dtype=object).astype(str), dtype=object)
    return text[codes]
