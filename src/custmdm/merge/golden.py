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
from collections.abc import Sequence
from dataclasses import dataclass
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
            ("first_name", "first_name"),
            ("middle_name", "middle_name"),
            ("last_name", "last_name"),
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
        cols = [
            _map_distinct(p, _title)
            if p is not None
            else pd.Series(None, index=table.index, dtype=object)
            for p in parts
        ]
        joined = cols[0].fillna("").astype(str)
        for col in cols[1:]:
            joined = joined.str.cat(col.fillna("").astype(str), sep=" ")
        out["_full_name_display"] = joined.str.split().str.join(" ").replace("", None)
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


def _rank_frame(table: pd.DataFrame, labels: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    filled = np.zeros(len(table), dtype=np.int64)
    length = np.zeros(len(table), dtype=np.int64)
    for col in columns:
        if col in table:
            values = table[col]
            filled += values.notna().to_numpy()
            length += values.fillna("").astype(str).str.len().to_numpy()
    return pd.DataFrame(
        {"cluster": labels, "row": np.arange(len(table)), "filled": filled, "length": length}
    )


def _choose(
    table: pd.DataFrame,
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
    frame["trust"] = table["trust"].to_numpy()[frame["row"].to_numpy()]
    updated = table["updated_at"].to_numpy()[frame["row"].to_numpy()]
    frame["updated"] = pd.Series(updated, index=frame.index).fillna("")
    key = table[key_column].to_numpy()[frame["row"].to_numpy()] if key_column in table else None
    if key is not None:
        frame["key"] = pd.Series(key, index=frame.index).fillna("\x00")
        frame["freq"] = frame.groupby(["cluster", "key"])["row"].transform("size")
    else:
        frame["freq"] = 1
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
    frame = frame.sort_values(sort_cols, ascending=ascending, kind="stable")
    return frame.drop_duplicates("cluster", keep="first")[["cluster", "row"]]


def build_golden(
    table: pd.DataFrame,
    extras: pd.DataFrame,
    labels: np.ndarray,
) -> GoldenResult:
    """Golden records, lineage and crosswalk for clustered records.

    ``labels`` gives each row's cluster as the row index of its first member.
    """
    n = len(table)
    sources = table["source"].to_numpy()
    record_ids = table["record_id"].to_numpy()
    cluster_ids = np.unique(labels)
    cid_of = {int(c): customer_id_for(str(sources[c]), str(record_ids[c])) for c in cluster_ids}
    customer = (
        np.array([cid_of[int(c)] for c in labels], dtype=object) if n else np.zeros(0, dtype=object)
    )

    crosswalk = pd.DataFrame({"source": sources, "record_id": record_ids, "customer_id": customer})

    view = pd.concat([table, display_columns(table)], axis=1)
    golden = pd.DataFrame({"customer_id": [cid_of[int(c)] for c in cluster_ids]})
    golden["cluster"] = cluster_ids
    sizes = np.bincount(labels, minlength=n)
    golden["n_records"] = sizes[cluster_ids]
    src_lists = (
        pd.DataFrame({"cluster": labels, "source": sources})
        .drop_duplicates()
        .sort_values(["cluster", "source"])
    )
    golden["sources"] = golden["cluster"].map(
        _join_groups(src_lists["cluster"].to_numpy(), src_lists["source"].to_numpy())
    )

    lineage_parts: list[pd.DataFrame] = []
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
                pd.DataFrame(
                    {
                        "customer_id": [cid_of[int(c)] for c in chosen["cluster"].to_numpy()[ok]],
                        "attribute": attr,
                        "value": values[ok],
                        "source": sources[rows[ok]],
                        "record_id": record_ids[rows[ok]],
                    }
                )
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
        rows = exploded["row"].to_numpy()
        lineage_parts.append(
            pd.DataFrame(
                {
                    "customer_id": [cid_of[int(c)] for c in exploded["cluster"].to_numpy()],
                    "attribute": multi,
                    "value": exploded["value"].to_numpy(),
                    "source": sources[rows],
                    "record_id": record_ids[rows],
                }
            )
        )

    if len(extras.columns):
        ext = pd.concat([extras.reset_index(drop=True), table[["trust", "updated_at"]]], axis=1)
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
                pd.DataFrame(
                    {
                        "customer_id": [cid_of[int(c)] for c in chosen["cluster"].to_numpy()[ok]],
                        "attribute": name,
                        "value": values[ok].astype(str),
                        "source": sources[rows[ok]],
                        "record_id": record_ids[rows[ok]],
                    }
                )
            )

    golden = (
        golden.drop(columns=["cluster"])
        .sort_values("customer_id", kind="stable")
        .reset_index(drop=True)
    )
    golden = golden.astype(object).where(golden.notna(), None)
    lineage = (
        pd.concat(lineage_parts, ignore_index=True)
        if lineage_parts
        else pd.DataFrame(columns=list(LINEAGE_COLUMNS))
    )
    lineage = lineage.iloc[_lexsort_frame(lineage, list(LINEAGE_COLUMNS))]
    # the prepared table is sorted by (source, record_id) already, so is the crosswalk
    return GoldenResult(
        golden=golden,
        lineage=lineage.reset_index(drop=True)[list(LINEAGE_COLUMNS)],
        crosswalk=crosswalk,
    )
