"""Per-source data-quality profile and masked review records, computed from a result.

These need the prepared record table, which a resolution does not write out; so
:func:`report_extras` computes them once, already masked, and they travel in
``report.json`` under ``"sources"`` and ``"review_records"``. Nothing here keeps an
unmasked personal value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from custmdm.report import analysis
from custmdm.report.mask import mask_value

if TYPE_CHECKING:
    from custmdm.pipeline import ResolutionResult

__all__ = ["report_extras", "review_keys", "source_profile"]

#: Reasons after which the value is not used (it was there, but it is not valid).
INVALIDATING = frozenset(
    {
        "junk_value",
        "too_long",
        "invalid_phone",
        "junk_phone",
        "invalid_email",
        "invalid_date",
        "impossible_date",
        "invalid_national_id",
    }
)

#: Canonical field -> prepared columns whose presence means "a valid value".
_VALID_COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("first_name", "last_name", "middle_name"),
}

#: Canonical field -> prepared column shown (masked) in examples.
_DISPLAY: dict[str, str] = {
    "full_name": "raw_full_name",
    "address": "raw_address",
    "street": "raw_street",
    "city": "raw_city",
}

#: Fields shown for a record under review, in order.
_REVIEW_FIELDS = ("full_name", "birth_date", "phone", "email", "address", "city", "postcode")

N_EXAMPLES = 3


def _mapped_fields(result: ResolutionResult, source: str, frame: pd.DataFrame) -> list[str]:
    resolver = result._resolver
    if resolver is not None:
        for src in resolver.config.sources:
            if src.name == source:
                return list(src.fields)
    from custmdm.schema import CANONICAL_FIELDS

    return [f for f in CANONICAL_FIELDS if f in frame and frame[f].notna().any()]


def _present(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    mask = pd.Series(False, index=frame.index)
    for col in columns:
        if col in frame:
            mask |= frame[col].notna() & frame[col].astype(str).str.strip().ne("")
    return mask


def _display(frame: pd.DataFrame, field: str) -> pd.Series:
    col = _DISPLAY.get(field, field)
    if col in frame:
        return frame[col]
    if field == "full_name":
        parts = [frame[c] for c in ("first_name", "middle_name", "last_name") if c in frame]
        return pd.concat(parts, axis=1).apply(
            lambda r: " ".join(str(v) for v in r if isinstance(v, str) and v), axis=1
        )
    return pd.Series(None, index=frame.index, dtype=object)


def _profile_columns() -> list[str]:
    """The prepared columns profiles and review records read (never the matching keys)."""
    from custmdm.schema import CANONICAL_FIELDS

    valid = [c for cols in _VALID_COLUMNS.values() for c in cols]
    return ["source", "record_id", *CANONICAL_FIELDS, *valid, *_DISPLAY.values()]


def source_profile(result: ResolutionResult) -> list[dict[str, Any]]:
    """Records, completeness and validity per mapped field, flags and masked examples.

    ``completeness`` is the share of records with a value in the field (valid or not);
    ``validity`` the share of those values that the normalisers accepted.
    """
    table = result.records(_profile_columns())
    quality = result.quality
    out = []
    for source, frame in table.groupby("source", sort=True):
        n = len(frame)
        q = quality[quality["source"] == source]
        fields = []
        mapped = _mapped_fields(result, str(source), frame)
        for fld in mapped:
            valid = _present(frame, _VALID_COLUMNS.get(fld, (fld,)))
            bad_ids = set(
                q.loc[(q["field"] == fld) & q["reason"].isin(INVALIDATING), "record_id"].astype(str)
            )
            invalid = frame["record_id"].astype(str).isin(bad_ids) & ~valid
            filled = int(valid.sum() + invalid.sum())
            fields.append(
                {
                    "field": fld,
                    "filled": filled,
                    "valid": int(valid.sum()),
                    "completeness": filled / n if n else 0.0,
                    "validity": float(valid.sum()) / filled if filled else 0.0,
                    "flags": int((q["field"] == fld).sum()),
                }
            )
        counts = q.groupby(["field", "reason"]).size()
        flags = {f"{f}:{r}": int(c) for (f, r), c in zip(counts.index, counts, strict=True)}
        head = frame.head(N_EXAMPLES)
        examples = [
            {fld: mask_value(fld, v) for fld, v in zip(mapped, row, strict=True)}
            for row in zip(*(_display(head, fld) for fld in mapped), strict=True)
        ]
        out.append(
            {
                "source": str(source),
                "records": n,
                "fields": fields,
                "flags": flags,
                "examples": examples,
            }
        )
    return out


#: Borderline pairs, largest clusters and least cohesive clusters (:func:`review_keys`).
Review = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def review_keys(crosswalk: pd.DataFrame, pairs: pd.DataFrame, threshold: float) -> Review:
    """The borderline pairs, largest and least cohesive clusters a report reviews."""
    clusters = analysis.cluster_table(crosswalk, pairs, threshold)
    return (
        analysis.borderline_pairs(pairs, threshold),
        analysis.largest(clusters),
        analysis.least_cohesive(clusters),
    )


def _review_records(
    result: ResolutionResult, review: Review | None = None
) -> dict[str, dict[str, str]]:
    threshold = float(result.report["threshold"])
    border, big, loose = (
        review if review is not None else review_keys(result.crosswalk, result.pairs, threshold)
    )
    keys: set[tuple[str, str]] = set()
    for side in ("left", "right"):
        keys |= set(
            zip(
                border[f"{side}_source"].astype(str),
                border[f"{side}_record_id"].astype(str),
                strict=True,
            )
        )
    customers = set(big["customer_id"].head(2)) | set(loose["customer_id"].head(2))
    members = result.crosswalk[result.crosswalk["customer_id"].isin(customers)]
    keys |= set(zip(members["source"].astype(str), members["record_id"].astype(str), strict=True))
    table = result.records(_profile_columns())
    wanted = pd.MultiIndex.from_tuples(sorted(keys), names=["source", "record_id"])
    rows = table.set_index(["source", "record_id"]).reindex(wanted)
    out: dict[str, dict[str, str]] = {}
    displays = {fld: _display(rows, fld) for fld in _REVIEW_FIELDS}
    for k, (source, record_id) in enumerate(wanted):
        values = {fld: mask_value(fld, displays[fld].iloc[k]) for fld in _REVIEW_FIELDS}
        out[analysis.pair_key(source, record_id)] = {f: v for f, v in values.items() if v}
    return out


def report_extras(result: ResolutionResult, review: Review | None = None) -> dict[str, Any]:
    """The masked additions to ``report.json`` the HTML report needs (``review``: the
    result's :func:`review_keys`, if already computed)."""
    return {
        "sources": source_profile(result),
        "review_records": _review_records(result, review),
    }
