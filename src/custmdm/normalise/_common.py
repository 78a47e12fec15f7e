"""Shared machinery: scalar text cleaning and the per-distinct-value driver.

Every public normaliser is built the same way: factorize the input column(s), run a scalar
function once per *distinct* value, and map the results back with integer indexing. The cost is
therefore proportional to the number of distinct values, not rows.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from custmdm.normalise.issues import (
    CONTROL_CHARACTERS,
    JUNK_VALUE,
    MAX_LENGTH,
    TOO_LONG,
    empty_issues,
)

#: (field, reason) pairs returned by scalar functions.
Reasons = tuple[tuple[str, str], ...]
#: A scalar function: raw distinct value -> (output values, reasons).
ScalarFunc = Callable[[Any], tuple[tuple[Any, ...], Reasons]]

# Characters removed (and flagged): C0/C1 controls except ordinary whitespace, format characters
# (zero-width space/joiners, bidi marks and embeddings, BOM, soft hyphen), surrogates, private use
# and unassigned code points.
_WHITESPACE_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")
_STRIP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_WS_RE = re.compile(r"\s+")

#: Placeholder values treated as missing (compared after casefolding and removing spaces/dots).
JUNK_TOKENS: frozenset[str] = frozenset(
    {
        "na",
        "n/a",
        "n\\a",
        "nan",
        "nat",
        "null",
        "nil",
        "none",
        "undefined",
        "unknown",
        "unk",
        "notknown",
        "notapplicable",
        "notavailable",
        "empty",
        "blank",
        "missing",
        "test",
        "tbd",
        "нет",
        "неизвестно",
        "неизв",
        "нд",
        "н/д",
        "н/a",
        "неуказано",
        "неуказан",
        "не указано",
        "отсутствует",
        "пусто",
        "нетданных",
        "тест",
        "-",
    }
)
# A lone "x" / "х" is not junk: it is the initial of a name (Ринат Х.).
_JUNK_PATTERN_RE = re.compile(r"^(?:[\W_]+|x{2,}|х{2,}|0+|\?+)$", re.IGNORECASE)


def to_text(value: Any) -> str | None:
    """Turn one raw scalar into ``str`` (or ``None`` when missing), without cleaning."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        f = float(value)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return str(f)
        if f.is_integer() and abs(f) < 1e18:
            return str(int(f))
        return repr(f)
    if isinstance(value, pd.Timestamp | _dt.datetime | _dt.date):
        return value.isoformat()
    return str(value)


def strip_controls(text: str) -> tuple[str, bool]:
    """Remove control/format characters; return the text and whether any were removed.

    Ordinary whitespace controls (tab, newline...) become spaces and are not flagged.
    """
    if text.isprintable():  # fast path: no Cc/Cf/Cs/Co/Cn (nor exotic spaces) present
        return text, False
    out: list[str] = []
    removed = False
    for ch in text:
        if ch in _WHITESPACE_CONTROLS:
            out.append(" ")
        elif unicodedata.category(ch) in _STRIP_CATEGORIES:
            removed = True
        else:
            out.append(ch)
    return "".join(out), removed


def is_junk(text: str) -> bool:
    """True when a cleaned, non-empty value is a placeholder such as ``N/A`` or ``-``."""
    if _JUNK_PATTERN_RE.match(text):
        return True
    squeezed = text.casefold().replace(" ", "").replace(".", "")
    return squeezed in JUNK_TOKENS or text.casefold() in JUNK_TOKENS


# Text that every cleaning step leaves as it is: printable ASCII and the basic Cyrillic letters
# (all NFKC-stable, no controls) in runs separated by single spaces, nothing at either end.
_PLAIN_TEXT_RE = re.compile(r"[!-~А-яЁё]+(?: [!-~А-яЁё]+)*")


# The plain-text test and the junk test of clean_scalar's fast path for Arrow's regex engine
# (RE2, whose \W is ASCII-only): among plain characters the non-word ones and "_" are the ASCII
# punctuation; lower-casing equals case-folding for ASCII and the basic Cyrillic letters.
_PLAIN_TEXT_RE2 = "^" + _PLAIN_TEXT_RE.pattern + "$"
_JUNK_PATTERN_RE2 = r"^(?:[ !-/:-@\[-`{-~]+|[xX]{2,}|[хХ]{2,}|0+)$"


def text_positions(uniques: np.ndarray) -> tuple[np.ndarray, Any]:
    """The positions of the ``str`` values among ``uniques`` and those values as an Arrow
    array (large strings): what the column paths of the normalisers work on."""
    import pyarrow as pa

    where = np.flatnonzero([type(v) is str for v in uniques])
    return where, pa.array(uniques[where], type=pa.large_string())


def bulk_clean(uniques: np.ndarray) -> np.ndarray:
    """Each distinct value :func:`clean_scalar` returns unchanged with no issue (plain text
    that is no placeholder), found a column at a time with Arrow; ``None`` elsewhere.

    A test compares it with :func:`clean_scalar` on random text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.full(len(uniques), None, dtype=object)
    where, text = text_positions(uniques)
    ok = pc.match_substring_regex(text, _PLAIN_TEXT_RE2).to_numpy(zero_copy_only=False)
    ok &= pc.utf8_length(text).to_numpy() <= MAX_LENGTH
    ok &= ~pc.match_substring_regex(text, _JUNK_PATTERN_RE2).to_numpy(zero_copy_only=False)
    folded = pc.utf8_lower(text)
    squeezed = pc.replace_substring(pc.replace_substring(folded, " ", ""), ".", "")
    tokens = pa.array(sorted(JUNK_TOKENS), type=pa.large_string())
    for form in (folded, squeezed):
        ok &= ~pc.is_in(form, value_set=tokens).to_numpy(zero_copy_only=False)
    out[where[ok]] = uniques[where[ok]]
    return out


def clean_scalar(value: Any, field: str) -> tuple[str | None, Reasons]:
    """Clean one raw value: NFKC, strip controls, collapse whitespace, junk and length checks."""
    if (
        type(value) is str
        and len(value) <= MAX_LENGTH
        and _PLAIN_TEXT_RE.fullmatch(value)
        and not is_junk(value)
    ):
        # fast path: nothing to clean (tests compare it with the full path)
        return value, ()
    return _clean_scalar_full(value, field)


def _clean_scalar_full(value: Any, field: str) -> tuple[str | None, Reasons]:
    text = to_text(value)
    if text is None:
        return None, ()
    reasons: list[tuple[str, str]] = []
    # Bound the work on absurd inputs before the Unicode passes; anything this long is too long
    # whatever it contains (cleaning removes at most the controls).
    if len(text) > MAX_LENGTH * 16:
        stripped = _WS_RE.sub(" ", text).strip()
        if len(stripped) > MAX_LENGTH * 16:
            return None, ((field, TOO_LONG),)
    text, removed = strip_controls(text)
    if removed:
        reasons.append((field, CONTROL_CHARACTERS))
    text = unicodedata.normalize("NFKC", text)
    text, removed_again = strip_controls(text)
    if removed_again and not removed:
        reasons.append((field, CONTROL_CHARACTERS))
    text = _WS_RE.sub(" ", text).strip()
    if not text:
        return None, tuple(reasons)
    if len(text) > MAX_LENGTH:
        reasons.append((field, TOO_LONG))
        return None, tuple(reasons)
    if is_junk(text):
        reasons.append((field, JUNK_VALUE))
        return None, tuple(reasons)
    return text, tuple(reasons)


def _hashable(value: Any) -> Hashable:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def factorize_objects(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` that tolerates unhashable objects (they are factorized by ``repr``)."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:
        values = np.array([_hashable(v) for v in values], dtype=object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def _as_object_array(raw: pd.Series) -> np.ndarray:
    values = np.asarray(raw.to_numpy(dtype=object), dtype=object)
    return values


def assemble_results(
    index: pd.Index,
    codes: np.ndarray,
    results: Sequence[tuple[tuple[Any, ...], Reasons]],
    columns: Sequence[str],
    na_values: tuple[Any, ...] | None = None,
    na_reasons: Reasons = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_unique = len(results)
    arrays = [np.empty(n_unique + 1, dtype=object) for _ in columns]
    issue_codes: list[int] = []
    issue_fields: list[str] = []
    issue_reasons: list[str] = []
    for i, (vals, reasons) in enumerate(results):
        for arr, v in zip(arrays, vals, strict=True):
            arr[i] = v
        for f, r in reasons:
            issue_codes.append(i)
            issue_fields.append(f)
            issue_reasons.append(r)
    for j, arr in enumerate(arrays):
        arr[n_unique] = None if na_values is None else na_values[j]
    for f, r in na_reasons:
        issue_codes.append(-1)
        issue_fields.append(f)
        issue_reasons.append(r)
    frame = pd.DataFrame({c: arrays[j][codes] for j, c in enumerate(columns)}, index=index)
    if not issue_codes:
        return frame, empty_issues()
    per_code = pd.DataFrame({"code": issue_codes, "field": issue_fields, "reason": issue_reasons})
    flagged = np.unique(np.asarray(issue_codes, dtype=np.int64))
    positions = np.nonzero(np.isin(codes, flagged))[0]
    rows = pd.DataFrame({"pos": positions, "code": codes[positions]})
    merged = rows.merge(per_code, on="code", how="inner", sort=False)
    merged = merged.sort_values("pos", kind="stable")
    issues = pd.DataFrame(
        {
            "row": pd.Series(
                index.take(merged["pos"].to_numpy()).to_numpy(dtype=object), dtype=object
            ),
            "field": pd.Series(merged["field"].to_numpy(dtype=object), dtype=object),
            "reason": pd.Series(merged["reason"].to_numpy(dtype=object), dtype=object),
        }
    )
    return frame, issues


def map_distinct(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``func`` of each distinct present value, spread back to the rows; missing stays ``None``.

    For derived keys that repeat (first letters, years, names): one call per distinct value
    instead of a pass of string operations over every row.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(u) for u in uniques]
    mapped[-1] = None  # code -1: missing
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def apply_distinct(
    raw: pd.Series,
    func: ScalarFunc,
    columns: Sequence[str],
    bulk: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``func`` once per distinct non-missing value of ``raw`` and map results back.

    ``bulk``, when given, answers many distinct values at once (column operations instead of
    a Python call per value): it returns, per distinct value, the text every column takes
    with no issue, or ``None`` where ``func`` is to be asked. Its answers must be ``func``'s.
    """
    values = _as_object_array(raw)
    codes, uniques = factorize_objects(values)
    if bulk is None:
        results = [func(u) for u in uniques]
    else:
        width = len(columns)
        results = [
            func(u) if answer is None else ((answer,) * width, ())
            for u, answer in zip(uniques, bulk(uniques), strict=True)
        ]
    return assemble_results(raw.index, codes, results, columns)


def apply_distinct_multi(
    raws: Sequence[pd.Series | None],
    func: Callable[..., tuple[tuple[Any, ...], Reasons]],
    columns: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Like :func:`apply_distinct` over several aligned columns (``None`` = absent column).

    ``func`` receives one raw value per column (``None`` for missing or absent) and is called
    once per distinct combination, including the all-missing combination.
    """
    present = [r for r in raws if r is not None]
    if not present:
        raise ValueError("At least one input Series is required. Got only None instead.")
    index = present[0].index
    n = len(index)
    per_col: list[tuple[np.ndarray, np.ndarray] | None] = []
    combined = np.zeros(n, dtype=np.int64)
    for r in raws:
        if r is None:
            per_col.append(None)
            continue
        if not r.index.equals(index):
            raise ValueError("All given Series must share one index. Got different indexes.")
        codes, uniques = factorize_objects(_as_object_array(r))
        per_col.append((codes, uniques))
        combined = combined * (len(uniques) + 1) + (codes + 1)
        # Re-factorize to keep the combined code small and avoid overflow with many columns.
        combined, _ = pd.factorize(combined)
        combined = np.asarray(combined, dtype=np.int64)
    codes_all, first_pos = np.unique(combined, return_index=True)
    results = []
    for pos in first_pos:
        args: list[Any] = []
        for item in per_col:
            if item is None:
                args.append(None)
            else:
                c, u = item
                args.append(None if c[pos] < 0 else u[c[pos]])
        results.append(func(*args))
    # codes_all is sorted 0..k-1 because factorize yields dense codes.
    remap = np.empty(int(codes_all.max()) + 1 if len(codes_all) else 0, dtype=np.int64)
    remap[codes_all] = np.arange(len(codes_all))
    return assemble_results(index, remap[combined] if n else combined, results, columns)


def clean_series_values(raw: pd.Series) -> pd.Series:
    """Cleaned text per row (no issues) — convenience for internal vectorised helpers."""
    frame, _ = apply_distinct(raw, lambda v: ((clean_scalar(v, "")[0],), ()), ["value"])
    return frame["value"]
