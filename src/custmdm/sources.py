"""Reading source tables and checking them against their mapping.

A source is a CSV or Parquet file named in the config, or a DataFrame passed in
Python (pandas; polars and pyarrow tables are converted). Every value is read
as text exactly as stored: ``"N/A"`` stays ``"N/A"`` so that the normalisers can
flag it, and nothing is dropped here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from custmdm.config import ResolverConfig, SourceConfig
from custmdm.exceptions import SchemaError, SourceError

TableLike = Any  # pandas / polars DataFrame, pyarrow Table


def to_pandas(table: TableLike, source: str) -> pd.DataFrame:
    """Convert a user table to a pandas DataFrame."""
    if isinstance(table, pd.DataFrame):
        return table
    for attr in ("to_pandas",):  # polars and pyarrow
        method = getattr(table, attr, None)
        if callable(method):
            result = method()
            if isinstance(result, pd.DataFrame):
                return result
    msg = (
        f"source '{source}': expected a pandas, polars or pyarrow table, got {type(table).__name__}"
    )
    raise SourceError(msg)


def read_file(path: Path, source: str) -> pd.DataFrame:
    """Read a CSV or Parquet file with every value as text."""
    if not path.exists():
        msg = f"source '{source}': file not found: {path}"
        raise SourceError(msg)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8",
            encoding_errors="replace",
        )
    except pd.errors.EmptyDataError:
        msg = f"source '{source}': file is empty: {path}"
        raise SourceError(msg) from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as err:
        msg = f"source '{source}': cannot read {path}: {type(err).__name__}"
        raise SourceError(msg) from None


def load_source(
    config: ResolverConfig, source: SourceConfig, tables: dict[str, TableLike] | None
) -> pd.DataFrame:
    """The raw table of one source, checked against its mapping."""
    if tables is not None and source.name in tables:
        frame = to_pandas(tables[source.name], source.name)
    else:
        path = config.resolve_path(source)
        if path is None:
            msg = f"source '{source.name}': no 'path' in the config and no table passed in"
            raise SourceError(msg)
        frame = read_file(path, source.name)
    check_mapping(frame, source)
    return frame


def check_mapping(frame: pd.DataFrame, source: SourceConfig) -> None:
    """Every mapped column exists; the id column exists; the table is not empty."""
    columns = [str(c) for c in frame.columns]
    if source.id not in columns:
        msg = f"source '{source.name}': id column '{source.id}' not found; columns are {columns}"
        raise SchemaError(msg)
    for field, column in source.fields.items():
        if column not in columns:
            msg = (
                f"source '{source.name}': field '{field}' is mapped to column '{column}', "
                f"which is not in the table; columns are {columns}"
            )
            raise SchemaError(msg)
    if source.updated_at is not None and source.updated_at not in columns:
        msg = f"source '{source.name}': updated_at column '{source.updated_at}' not found"
        raise SchemaError(msg)
    if len(frame) == 0:
        msg = f"source '{source.name}': the table has no rows"
        raise SchemaError(msg)
