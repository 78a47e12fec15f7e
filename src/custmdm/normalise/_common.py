"""Shared machinery: scalar text cleaning and the per-distinct-value driver.

Every public normaliser is built the same way: factorize the input column(s), run a scalar
function once per *distinct* value, and map the results back with integer indexing. The cost is
therefore proportional to the number of distinct values, not rows.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import operator
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


def _junk_first_characters() -> frozenset[str]:
    """Characters that cannot begin a placeholder: a value starting with one is no junk.

    A placeholder matches the junk pattern, whose every branch starts with ``[\\W_]``, ``x``,
    ``х``, ``0`` or ``?``, or its case-folded form (with or without spaces and dots) is one of
    :data:`JUNK_TOKENS`. Case folding works character by character, so a first character that
    is none of those pattern starts, is no space or dot, and whose case-folded form starts
    with no token's first character rules both out. Checked here for the Latin and Cyrillic
    letters, where most values start.
    """
    pattern_start = re.compile(r"[\W_]|x|х|0|\?", re.IGNORECASE)
    token_starts = {token[0] for token in JUNK_TOKENS}
    candidates = (chr(cp) for block in (range(0x20, 0x250), range(0x400, 0x530)) for cp in block)
    return frozenset(
        ch
        for ch in candidates
        if not pattern_start.match(ch)
        and ch not in " ."
        and ch.casefold()[:1] not in token_starts
        and ch.casefold()[:1] not in " ."
        and ch.casefold()
    )


_NO_JUNK_START = _junk_first_characters()


def is_junk(text: str) -> bool:
    """True when a cleaned, non-empty value is a placeholder such as ``N/A`` or ``-``."""
    if text[:1] in _NO_JUNK_START:
        # most values: the first character already rules a placeholder out (tests compare)
        return False
    return _is_junk_full(text)


def _is_junk_full(text: str) -> bool:
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
    """Spread the ``results`` of distinct values (or combinations) back to the rows.

    ``codes`` gives each row's position in ``results``, ``-1`` for the missing slot, which
    takes ``na_values`` (``None`` everywhere when not given) and ``na_reasons``.
    """
    n_unique = len(results)
    width = len(columns)
    fill = (None,) * width if na_values is None else na_values
    rows = [vals for vals, _ in results]
    if not set(map(len, rows)) <= {width}:
        raise ValueError(f"Each result needs {width} values. Got another number.")
    # One array per output column, filled in bulk (each value stored as it is), the missing
    # slot last.
    arrays = [
        np.fromiter(
            itertools.chain(map(operator.itemgetter(j), rows), (fill[j],)),
            dtype=object,
            count=n_unique + 1,
        )
        for j in range(width)
    ]
    issue_codes: list[int] = []
    issue_fields: list[str] = []
    issue_reasons: list[str] = []
    for i, (_, reasons) in enumerate(results):
        if reasons:
            for f, r in reasons:
                issue_codes.append(i)
                issue_fields.append(f)
                issue_reasons.append(r)
    for f, r in na_reasons:
        issue_codes.append(-1)
        issue_fields.append(f)
        issue_reasons.append(r)
    # the columns are fresh arrays: no copy into one block
    frame = pd.DataFrame(
        {c: arrays[j][codes] for j, c in enumerate(columns)}, index=index, copy=False
    )
    if not issue_codes:
        return frame, empty_issues()
    per_code = pd.DataFrame({"code": issue_codes, "field": issue_fields, "reason": issue_reasons})
    flagged = np.unique(np.asarray(issue_codes, dtype=np.int64))
    positions = np.nonzero(np.isin(codes, flagged))[0]
    rows_frame = pd.DataFrame({"pos": positions, "code": codes[positions]})
    merged = rows_frame.merge(per_code, on="code", how="inner", sort=False)
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


def with_missing_slot(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """An object array of ``values`` and a last ``None``: indexed by codes, code ``-1``
    (missing) reads as ``None``."""
    out = np.empty(len(values) + 1, dtype=object)
    out[:-1] = values
    out[-1] = None
    return out


def map_distinct(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``func`` of each distinct present value, spread back to the rows; missing stays ``None``.

    For derived keys that repeat (first letters, years, names): one call per distinct value
    instead of a pass of string operations over every row.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = with_missing_slot([func(u) for u in uniques])
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
    for r in present:
        if not r.index.equals(index):
            raise ValueError("All given Series must share one index. Got different indexes.")
    per_col = [None if r is None else factorize_objects(_as_object_array(r)) for r in raws]
    factorized = {at: item for at, item in enumerate(per_col) if item is not None}
    given = [at for at, item in enumerate(per_col) if item is not None]
    if len(given) == 1:
        # One column: its distinct values are the combinations, with the missing one last.
        at = given[0]
        codes, uniques = factorized[at]
        values = list(uniques)
        if (codes < 0).any():
            values.append(None)
            codes = np.where(codes < 0, len(uniques), codes)
        positional: list[Any] = [None] * len(raws)
        results = []
        for value in values:
            positional[at] = value
            results.append(func(*positional))
        return assemble_results(index, codes, results, columns)
    combined = np.zeros(len(index), dtype=np.int64)
    for codes, uniques in (factorized[at] for at in given):
        combined = combined * (len(uniques) + 1) + (codes + 1)
        # Re-factorize to keep the combined code small and avoid overflow with many columns.
        combined = np.asarray(pd.factorize(combined)[0], dtype=np.int64)
    # factorize numbers the combinations 0..k-1 in order of first appearance, so a row holds a
    # combination's first appearance exactly where its code exceeds every code before it.
    first = np.ones(len(combined), dtype=bool)
    first[1:] = combined[1:] > np.maximum.accumulate(combined)[:-1]
    first_pos = np.flatnonzero(first)
    n_combos = len(first_pos)
    args: list[list[Any]] = []
    for item in per_col:
        if item is None:
            args.append([None] * n_combos)
        else:
            codes, uniques = item
            args.append(with_missing_slot(uniques)[codes[first_pos]].tolist())
    results = list(map(func, *args))
    return assemble_results(index, combined, results, columns)


def clean_series_values(raw: pd.Series) -> pd.Series:
    """Cleaned text per row (no issues) — convenience for internal vectorised helpers."""
    frame, _ = apply_distinct(raw, lambda v: ((clean_scalar(v, "")[0],), ()), ["value"])
    return frame["value"]
