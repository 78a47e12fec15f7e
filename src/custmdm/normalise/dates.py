"""Dates (of birth) from many formats to ISO ``YYYY-MM-DD``.

Recognised, per distinct value:

* ``datetime``/``date``/``Timestamp`` objects, and ``numpy.datetime64``;
* ISO ``yyyy-mm-dd`` (also ``/`` or ``.``), optionally followed by a time
  (``"1990-05-17 00:00:00"``, ``"1990-05-17T00:00:00Z"``);
* ``yyyymmdd`` as text, int or float (``19560909.0``); ``ddmmyyyy`` when ``yyyymmdd`` is
  impossible;
* ``dd.mm.yyyy``, ``dd/mm/yyyy``, ``mm/dd/yyyy``, ``dd-mm-yyyy`` and two-digit years
  (``dd.mm.yy``), optionally followed by a time or ``г.``;
* month names in Russian and English (``17 мая 1990 г.``, ``May 17, 1990``, ``17-May-1990``).

Day or month first? When one of the first two numbers is above 12 the value decides. Otherwise
the column decides: the order used by the column's unambiguous ``/`` and ``-`` values wins;
without evidence (or with a tie) day first is used and the value is flagged
``ambiguous_date`` (still filled in). The Russian ``.`` separator always means day first unless
the value proves otherwise, and is never flagged.

Two-digit years pivot so that the date is not in the future (``05.03.47`` → 1947).

Impossible dates (31.02.1990, month 13, year before 1900, after today) become ``None`` with
``impossible_date``; unrecognisable text gives ``invalid_date``; the placeholder ``01.01.1900``
that systems store for "unknown" becomes ``None`` with ``junk_value``.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import numpy as np
import pandas as pd

from custmdm.normalise._common import (
    Reasons,
    _as_object_array,
    assemble_results,
    clean_scalar,
    factorize_objects,
)
from custmdm.normalise.issues import (
    AMBIGUOUS_DATE,
    IMPOSSIBLE_DATE,
    INVALID_DATE,
    JUNK_VALUE,
    MIN_YEAR,
)
from custmdm.normalise.text import fold

__all__ = ["PLACEHOLDER_DATES", "normalise_dates", "parse_date"]

_TIME = r"(?:[ t]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:z|utc|[+-]\d{2}:?\d{2})?)?"
_SUFFIX = r"\s*(?:г\.?|года?)?"
_ISO_RE = re.compile(rf"^(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_TIME}{_SUFFIX}$")
_DMY_RE = re.compile(
    rf"^(\d{{1,2}})\s*([-/.])\s*(\d{{1,2}})\s*\2\s*(\d{{4}}|\d{{2}}){_TIME}{_SUFFIX}$"
)
_COMPACT_RE = re.compile(rf"^(\d{{8}}){_TIME}$")
_WORD_TOKEN_RE = re.compile(r"[a-zа-я]+|\d+")

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        "jan january янв январь января",
        "feb february фев февр февраль февраля",
        "mar march мар март марта",
        "apr april апр апрель апреля",
        "may май мая",
        "jun june июн июнь июня",
        "jul july июл июль июля",
        "aug august авг август августа",
        "sep sept september сен сент сентябрь сентября",
        "oct october окт октябрь октября",
        "nov november ноя нояб ноябрь ноября",
        "dec december дек декабрь декабря",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _num
_NOISE_WORDS = frozenset({"г", "год", "года", "of", "the", "st", "nd", "rd", "th"})

#: Default dates that systems fill in for "unknown": treated as missing, flagged ``junk_value``.
PLACEHOLDER_DATES: frozenset[str] = frozenset({"1900-01-01"})

_DAY_FIRST = "day_first"
_MONTH_FIRST = "month_first"


class _Impossible(Exception):
    pass


def _make(year: int, month: int, day: int, today: _dt.date) -> _dt.date:
    if year < MIN_YEAR:
        raise _Impossible
    try:
        value = _dt.date(year, month, day)
    except ValueError:
        raise _Impossible from None
    if value > today:
        raise _Impossible
    return value


def _pivot(yy: int, today: _dt.date) -> int:
    year = 2000 + yy
    return year if year <= today.year else 1900 + yy


def _from_dmy(a: int, b: int, year: int, order: str, today: _dt.date) -> _dt.date:
    if a > 12 >= b:
        return _make(year, b, a, today)
    if b > 12 >= a:
        return _make(year, a, b, today)
    if order == _MONTH_FIRST:
        return _make(year, a, b, today)
    return _make(year, b, a, today)


def _parse_words(text: str, today: _dt.date) -> _dt.date | None:
    tokens = [t for t in _WORD_TOKEN_RE.findall(text) if t not in _NOISE_WORDS]
    months = [t for t in tokens if t in _MONTHS]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) != 1 or len(numbers) != 2 or len(tokens) != 3:
        return None
    month = _MONTHS[months[0]]
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(years) == 1 and len(days) == 1:
        return _make(int(years[0]), month, int(days[0]), today)
    return None


def parse_date(
    value: Any,
    *,
    date_format: str | None = None,
    order: str = _DAY_FIRST,
    today: _dt.date | None = None,
) -> tuple[str | None, str | None]:
    """Parse one raw value; return ``(iso, None)``, ``(None, reason)`` or ``(None, None)``.

    ``order`` is ``"day_first"`` or ``"month_first"`` for values where both readings are
    possible. A missing value gives ``(None, None)``.

    Examples
    --------
    >>> parse_date("17.05.1990"), parse_date(19560909.0), parse_date("31.02.1990")
    (('1990-05-17', None), ('1956-09-09', None), (None, 'impossible_date'))
    """
    today = today or _dt.date.today()
    try:
        result = _parse(value, date_format, order, today)
    except _Impossible:
        return None, IMPOSSIBLE_DATE
    if result is None:
        return None, INVALID_DATE
    return result.isoformat(), None


def _parse(value: Any, date_format: str | None, order: str, today: _dt.date) -> _dt.date | None:
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        value = pd.Timestamp(value)
    if isinstance(value, _dt.datetime | pd.Timestamp):
        return _make(value.year, value.month, value.day, today)
    if isinstance(value, _dt.date):
        return _make(value.year, value.month, value.day, today)
    text, _ = clean_scalar(value, "")
    if text is None:
        return None
    if date_format:
        try:
            parsed = _dt.datetime.strptime(text, date_format)
        except ValueError:
            pass
        else:
            return _make(parsed.year, parsed.month, parsed.day, today)
    text = fold(text)
    if m := _ISO_RE.match(text):
        return _make(int(m.group(1)), int(m.group(3)), int(m.group(4)), today)
    if m := _DMY_RE.match(text):
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        year = int(y) if len(y) == 4 else _pivot(int(y), today)
        return _from_dmy(a, b, year, _DAY_FIRST if sep == "." else order, today)
    if m := _COMPACT_RE.match(text):
        digits = m.group(1)
        try:
            return _make(int(digits[:4]), int(digits[4:6]), int(digits[6:]), today)
        except _Impossible:
            # ddmmyyyy as a second reading; if that fails too the yyyymmdd verdict stands.
            try:
                return _make(int(digits[4:]), int(digits[2:4]), int(digits[:2]), today)
            except _Impossible:
                raise _Impossible from None
    return _parse_words(text, today)


def _ambiguous_order(value: Any) -> bool:
    """A ``/`` or ``-`` separated d/m/y value where both orders give a different valid date."""
    if not isinstance(value, str):
        return False
    m = _DMY_RE.match(value.strip().casefold())
    if not m or m.group(2) == ".":
        return False
    a, b = int(m.group(1)), int(m.group(3))
    return a != b and 1 <= a <= 12 and 1 <= b <= 12


def _column_evidence(uniques: np.ndarray) -> tuple[int, int]:
    """Counts of unambiguous day-first and month-first ``/`` and ``-`` values of a column."""
    day_first = month_first = 0
    for u in uniques:
        if not isinstance(u, str):
            continue
        m = _DMY_RE.match(u.strip().casefold())
        if not m or m.group(2) == ".":
            continue
        a, b = int(m.group(1)), int(m.group(3))
        if a > 12 >= b:
            day_first += 1
        elif b > 12 >= a:
            month_first += 1
    return day_first, month_first


def _matches_format(value: Any, date_format: str | None) -> bool:
    if not date_format or not isinstance(value, str):
        return False
    try:
        _dt.datetime.strptime(value.strip(), date_format)
    except ValueError:
        return False
    return True


def normalise_dates(
    raw: pd.Series,
    *,
    date_format: str | None = None,
    field: str = "birth_date",
    today: _dt.date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise dates to ISO ``YYYY-MM-DD`` strings.

    Parameters
    ----------
    raw : pandas.Series
        Raw dates: text in mixed formats, numbers, date/datetime objects.
    date_format : str, optional
        A ``strptime`` format tried first; recognition is the fallback.
    field : str, default "birth_date"
        Output column name and ``field`` of the issues.
    today : datetime.date, optional
        The reference "today" for future-date checks and two-digit-year pivots (tests).

    Returns
    -------
    frame : pandas.DataFrame
        One column named ``field``: ISO date string or ``None``.
    issues : pandas.DataFrame
        ``row``, ``field``, ``reason`` (``invalid_date``, ``impossible_date``, ``junk_value``...).

    Examples
    --------
    >>> frame, _ = normalise_dates(pd.Series(["17.05.1990", "1990-05-17 00:00:00", 19900517]))
    >>> frame["birth_date"].tolist()
    ['1990-05-17', '1990-05-17', '1990-05-17']
    """
    ref = today or _dt.date.today()
    codes, uniques = factorize_objects(_as_object_array(raw))
    day_first, month_first = _column_evidence(uniques)
    order = _MONTH_FIRST if month_first > day_first else _DAY_FIRST
    undecided = day_first == month_first
    results: list[tuple[tuple[Any, ...], Reasons]] = []
    for u in uniques:
        reasons: Reasons = ()
        if not isinstance(u, _dt.date | np.datetime64):
            text, reasons = clean_scalar(u, field)
            if text is None:
                results.append(((None,), reasons))
                continue
        iso, problem = parse_date(u, date_format=date_format, order=order, today=ref)
        if iso in PLACEHOLDER_DATES:
            iso, problem = None, JUNK_VALUE
        if problem is not None:
            reasons = (*reasons, (field, problem))
        elif undecided and _ambiguous_order(u) and not _matches_format(u, date_format):
            reasons = (*reasons, (field, AMBIGUOUS_DATE))
        results.append(((iso,), reasons))
    return assemble_results(raw.index, codes, results, [field])
