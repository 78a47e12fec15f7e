"""Writing output tables as CSV: the bytes of ``DataFrame.to_csv(index=False)``, faster.

pandas writes CSV through Python's ``csv`` module, one Python call per cell; the lineage of a
million records (about six million rows) took it 8 s. Here the cells of text and integer
columns are quoted and joined by Arrow's compute kernels instead, and a categorical column is
quoted once per category. Which characters make a cell quoted is asked of this Python's
``csv`` module with the dialect pandas uses, so the bytes stay those of ``to_csv`` (a
Hypothesis test compares the two). A piece with any other kind of column (floats, booleans,
dates, mixed objects) is written by ``to_csv`` itself.
"""

from __future__ import annotations

import csv
import io
import re
import string
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

__all__ = ["CSV_CHUNK_ROWS", "as_text", "write_csv"]

#: Rows per piece when :func:`write_csv` writes a frame.
CSV_CHUNK_ROWS = 500_000


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


# The characters whose presence makes ``csv`` quote a cell, as this Python decides it.
_QUOTED_CHARS = "".join(c for c in string.whitespace + ',"' if _csv_line([f"a{c}b"]) != f"a{c}b\n")
_NEEDS_QUOTES = "[" + re.escape(_QUOTED_CHARS) + "]"
# A row of one empty cell is written as a quoted empty string, not an empty line.
_LONE_EMPTY = _csv_line([""]).rstrip("\n")


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical columns as objects (missing values ``None``).

    The categories are taken by code: pandas converts and writes categoricals much slower.
    """

    def plain(values: pd.Series) -> Any:
        if not isinstance(values.dtype, pd.CategoricalDtype):
            return values
        codes = values.cat.codes.to_numpy()
        # code -1 (missing) takes the None at the end, also when there are no categories
        categories = np.asarray(values.cat.categories, dtype=object)
        return np.concatenate([categories, np.array([None], dtype=object)])[codes]

    return pd.DataFrame({c: plain(v) for c, v in frame.items()}, copy=False)


def _text(value: str) -> Any:
    import pyarrow as pa

    return pa.scalar(value, pa.large_string())


def _quoted(values: Any) -> Any:
    """CSV cells of an Arrow string array: quoted where ``csv`` would quote, nulls empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.fill_null(values.cast(pa.large_string()), _text(""))
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    quote, none = _text('"'), _text("")
    escaped = pc.binary_join_element_wise(quote, pc.replace_substring(text, '"', '""'), quote, none)
    return pc.if_else(needs, escaped, text)


def _cells(values: pd.Series) -> Any | None:
    """The CSV cells of one column as an Arrow array, or ``None`` when ``to_csv`` must write it."""
    import pyarrow as pa

    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        names = values.cat.categories
        if len(names) > len(codes):
            # more categories than rows (record ids of a piece of lineage): quote only the
            # categories the piece uses, not all of them for every piece
            present = codes >= 0
            used, inverse = np.unique(codes[present], return_inverse=True)
            names = names[used]
            codes[present] = inverse
        categories = _cells(pd.Series(names, dtype=names.dtype))
        if categories is None:
            return None
        return categories.take(pa.array(codes, mask=codes < 0)).fill_null(_text(""))
    kind = values.dtype.kind
    if kind not in "iuO" and not isinstance(values.dtype, pd.StringDtype):
        return None  # floats, booleans, dates...: their text is pandas' own
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, UnicodeError):
        return None
    if pa.types.is_integer(array.type):
        return array.cast(pa.large_string()).fill_null(_text(""))
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return _quoted(array)
    if pa.types.is_null(array.type):
        return pa.array([""] * len(array), type=pa.large_string())
    return None


def _write_piece(piece: pd.DataFrame, fh: IO[bytes]) -> bool:
    """Write the rows of ``piece`` with Arrow; ``False`` (nothing written) when it cannot."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if piece.shape[1] == 0 or len(piece) == 0:
        return False
    cells = []
    for _, values in piece.items():
        column = _cells(values)
        if column is None:
            return False
        cells.append(column)
    if len(cells) == 1:
        cells[0] = pc.if_else(pc.equal(cells[0], _text("")), _text(_LONE_EMPTY), cells[0])
    lines = pc.binary_join_element_wise(*cells, _text(","))
    lines = pc.binary_join_element_wise(lines, _text(""), _text("\n"))  # the line, "\n", ""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    fh.write(memoryview(lines.buffers()[2])[start:end])
    return True


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame.to_csv(path, index=False)``, categorical columns written as their text, in
    pieces of rows, text and integer columns joined by Arrow."""
    if frame.shape[1] == 0:
        frame.to_csv(path, index=False)
        return
    with open(path, "wb") as fh:
        fh.write(_csv_line([str(c) for c in frame.columns]).encode("utf-8"))
        for start in range(0, len(frame), CSV_CHUNK_ROWS):
            piece = frame.iloc[start : start + CSV_CHUNK_ROWS]
            if not _write_piece(piece, fh):
                fh.write(as_text(piece).to_csv(index=False, header=False).encode("utf-8"))
