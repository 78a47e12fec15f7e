"""The Spark engine: the same resolution as the local engine, with Spark moving the data.

Every algorithm is the one the local engine runs; this module only decides where data goes:

========== ============================================================================
normalise  :func:`custmdm.prepare.normalise_records` and
           :func:`custmdm.prepare.add_derived_keys` per Arrow batch (``mapInPandas``);
           duplicate ids through :func:`custmdm.prepare._dedupe_ids` per id group
block      self-joins on each rule's key; a pair is dropped when an earlier rule's key
           agrees too, the local "each pair once" rule; generic values from
           ``groupBy().count()``
compare    :func:`custmdm.matchers.base.pair_levels` per Arrow batch of pair rows
score      agreement-pattern counts aggregated by Spark and collected, then the same
           :meth:`FellegiSunterModel.fit`; term frequencies from ``groupBy().count()``
           fed to the same :class:`TermFrequencies`; weights per batch
cluster    large-star / small-star (:mod:`custmdm.backends._spark_components`), then
           :func:`custmdm.clustering.components.pivot_split` per over-large component
merge      :func:`custmdm.merge.golden.build_golden` per bucket of whole clusters
           (``applyInPandas``)
========== ============================================================================

Records get their position in the ``(source, record_id)`` order, as in the local engine, so
the seeded random pairs for ``u`` and every tie-break are the same; the parity test asserts
the same partition and the same weights.

:func:`run` returns the same :class:`~custmdm.pipeline.ResolutionResult` as the local engine,
which collects the outputs to the driver. :func:`resolve` keeps them as Spark DataFrames, and
:meth:`SparkResolution.write_parquet` writes them to any path Spark can write.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from custmdm._version import __version__
from custmdm.backends._spark_components import connected_components
from custmdm.blocking.rules import (
    IDENTIFIER_KEYS,
    GenericValue,
    RuleStats,
    block_size_limit,
    generic_key,
    key_field,
    mask_value,
)
from custmdm.clustering.components import SplitReport, exclusive_partners, pivot_split
from custmdm.config import BlockingRule, Comparison, ResolverConfig, SourceConfig
from custmdm.exceptions import BlockingError, ConfigError
from custmdm.matchers.base import pair_levels
from custmdm.merge.golden import build_golden, lineage_categories
from custmdm.pipeline import (
    ResolutionResult,
    Resolver,
    biased_comparisons,
    implied_top_comparisons,
)
from custmdm.prepare import (
    Prepared,
    _dedupe_ids,
    _pseudonymisation_key,
    _record_ids,
    add_derived_keys,
    normalise_records,
    pseudonymise,
)
from custmdm.schema import QUALITY_COLUMNS
from custmdm.scoring.fellegi_sunter import (
    FellegiSunterModel,
    PatternCounts,
    TrainingSession,
    decode_patterns,
    encode_patterns,
    probability,
)
from custmdm.scoring.term_frequency import TermFrequencies, tf_columns
from custmdm.sources import TableLike, check_mapping, to_pandas

__all__ = ["SparkResolution", "local_session", "resolve", "run"]

log = logging.getLogger("custmdm.spark")

# Internal column names; the prefix keeps them clear of any source column.
_ROW = "__custmdm_row"
_ID = "__custmdm_id"
_KIND = "__custmdm_kind"
_POS = "pos"

#: Sentinel for Spark's CSV ``nullValue``: nothing is null in a CSV, as with pandas here.
_NO_NULL = "\u0000custmdm-no-null\u0000"


def local_session(
    master: str = "local[*]", *, shuffle_partitions: int = 8, driver_memory: str = "4g"
) -> SparkSession:
    """A local SparkSession with the settings custmdm relies on (Arrow on, UI off).

    In local mode the driver is the only JVM, so its heap bounds everything Spark caches.

    On a cluster, pass your own session: ``Resolver(cfg, engine="spark", spark=spark)``.
    """
    return (
        SparkSession.builder.master(master)
        .appName("custmdm")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def _session(resolver: Resolver) -> SparkSession:
    if resolver.spark is not None:
        return resolver.spark  # type: ignore[no-any-return]
    active = SparkSession.getActiveSession()
    return active if active is not None else local_session()


def _c(name: str) -> Any:
    """A column by its exact name (dots and spaces in source headers are not paths)."""
    return F.col("`" + name.replace("`", "``") + "`")


def _persist(df: DataFrame) -> DataFrame:
    return df.persist(StorageLevel.MEMORY_AND_DISK)


# -- normalise ---------------------------------------------------------------------------


def _read_source(
    spark: SparkSession,
    config: ResolverConfig,
    source: SourceConfig,
    tables: dict[str, TableLike] | None,
) -> DataFrame:
    """The raw rows of a source as text, with their input order in ``_ROW``."""
    given = tables.get(source.name) if tables else None
    if given is not None and not isinstance(given, DataFrame):
        frame = to_pandas(given, source.name)
        frame = frame.astype(object).where(frame.notna(), None)
        frame = frame.map(lambda v: v if v is None or isinstance(v, str) else str(v))
        frame.columns = [str(c) for c in frame.columns]
        frame[_ROW] = np.arange(len(frame), dtype=np.int64)
        schema = T.StructType(
            [T.StructField(c, T.StringType()) for c in frame.columns[:-1]]
            + [T.StructField(_ROW, T.LongType())]
        )
        return spark.createDataFrame(frame, schema=schema)
    if given is not None:
        df = given
    else:
        if source.path is None:
            from custmdm.exceptions import SourceError

            msg = f"source '{source.name}': no 'path' in the config and no table passed in"
            raise SourceError(msg)
        path = source.path if "://" in source.path else str(config.resolve_path(source))
        if path.lower().endswith((".parquet", ".pq")) or Path(path).is_dir():
            df = spark.read.parquet(path)
        else:
            df = spark.read.csv(
                path,
                header=True,
                inferSchema=False,
                encoding="UTF-8",
                multiLine=True,
                escape='"',
                nullValue=_NO_NULL,
                emptyValue="",
            )
    df = df.select([_c(c).cast("string").alias(c) for c in df.columns])
    # file and partition order is the input order
    return df.withColumn(_ROW, F.monotonically_increasing_id())


def _schema_of(frame: pd.DataFrame) -> T.StructType:
    fields = []
    for col in frame.columns:
        dtype = frame[col].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kind: T.DataType = T.BooleanType()
        elif pd.api.types.is_integer_dtype(dtype):
            kind = T.LongType()
        elif pd.api.types.is_float_dtype(dtype) and frame[col].notna().any():
            kind = T.DoubleType()
        else:
            kind = T.StringType()
        fields.append(T.StructField(str(col), kind))
    return T.StructType(fields)


@dataclass
class _SourceRows:
    records: DataFrame  # table columns + extras as x{i}
    quality: DataFrame
    table_columns: list[str]
    derived_columns: list[str]
    extras: list[str]
    input_rows: int
    superseded: list[str]


def _normalise_source(
    spark: SparkSession,
    config: ResolverConfig,
    source: SourceConfig,
    tables: dict[str, TableLike] | None,
) -> _SourceRows:
    raw = _read_source(spark, config, source, tables)
    raw_columns = [c for c in raw.columns if c != _ROW]
    # columns are checked from the schema; emptiness once the rows are counted
    placeholder = pd.DataFrame({c: [""] for c in raw_columns})
    check_mapping(placeholder, source)
    parallelism = spark.sparkContext.defaultParallelism

    def with_ids(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            ids = _record_ids(batch.drop(columns=[_ROW]), source)
            yield batch.assign(**{_ID: ids.to_numpy()})

    id_schema = T.StructType([*raw.schema.fields, T.StructField(_ID, T.StringType())])
    rows = _persist(raw.repartition(parallelism).mapInPandas(with_ids, id_schema))
    per_id = rows.groupBy(_ID).count()
    seen = per_id.agg(
        F.sum("count").alias("rows"),
        F.collect_list(F.when(F.col("count") > 1, F.col(_ID))).alias("dups"),
    ).first()
    assert seen is not None
    input_rows = int(seen["rows"] or 0)
    if input_rows == 0:
        check_mapping(placeholder.iloc[:0], source)  # raises the local engine's error
    superseded: list[str] = sorted(seen["dups"])
    if superseded:
        dup_ids = spark.createDataFrame([(i,) for i in superseded], schema=f"`{_ID}` string")
        dups = rows.join(dup_ids, _ID)
        if source.duplicate_ids == "error":
            frame = dups.orderBy(_ROW).toPandas()
            _dedupe_ids(frame[raw_columns], frame[_ID], source)  # raises the local error
        schema = rows.schema

        def keep_one(group: pd.DataFrame) -> pd.DataFrame:
            group = group.sort_values(_ROW, kind="stable").reset_index(drop=True)
            kept, _, _ = _dedupe_ids(group, group[_ID], source)
            return kept[schema.fieldNames()]

        kept = dups.groupBy(_ID).applyInPandas(keep_one, schema)
        rows = rows.join(dup_ids, _ID, "left_anti").select(schema.fieldNames()).unionByName(kept)

    # learn the output columns from one record, run on the driver
    # the output columns depend on the mapping only: one placeholder row tells them
    table, _, extras = normalise_records(config, source, placeholder, pd.Series(["id"]))
    base_columns = list(table.columns)
    table = add_derived_keys(table)
    table_columns = list(table.columns)
    derived = [c for c in table_columns if c not in base_columns]
    extra_names = list(extras.columns)
    x_names = [f"x{i}" for i in range(len(extra_names))]
    out_schema = T.StructType(
        [T.StructField(_KIND, T.StringType())]
        + list(_schema_of(table).fields)
        + [T.StructField(x, T.StringType()) for x in x_names]
        + [T.StructField("q_field", T.StringType()), T.StructField("q_reason", T.StringType())]
    )
    names = out_schema.fieldNames()

    key = (
        _pseudonymisation_key(config.pseudonymise_key_env)
        if config.pseudonymise_key_env is not None
        else None
    )

    def normalise(batch: pd.DataFrame) -> pd.DataFrame:
        # the whole source in input order: some normalisers learn a column's habits
        # (name order, day/month order) from all of its values
        batch = batch.sort_values(_ROW, kind="stable").reset_index(drop=True)
        table, quality, extras = normalise_records(config, source, batch[raw_columns], batch[_ID])
        table = add_derived_keys(table)
        if key is not None:
            table = pseudonymise(table, key)
            extras = pseudonymise(extras, key)
        records = table.copy()
        records[_KIND] = "r"
        for x, name in zip(x_names, extra_names, strict=True):
            col = extras[name]
            records[x] = col.map(lambda v: v if v is None or isinstance(v, str) else str(v))
        flags = pd.DataFrame(
            {
                _KIND: "q",
                "source": quality["source"].to_numpy(),
                "record_id": quality["record_id"].to_numpy(),
                "q_field": quality["field"].to_numpy(),
                "q_reason": quality["reason"].to_numpy(),
            }
        )
        out = pd.concat([records, flags], ignore_index=True).reindex(columns=names)
        return out.astype(object).where(out.notna(), None)

    out = _persist(rows.groupBy(F.lit(0).alias("_all")).applyInPandas(normalise, out_schema))
    records = out.where(F.col(_KIND) == "r").select(*table_columns, *x_names)
    for x, name in zip(x_names, extra_names, strict=True):
        records = records.withColumnRenamed(x, f"x:{name}")
    quality = out.where(F.col(_KIND) == "q").select(
        "source", "record_id", F.col("q_field").alias("field"), F.col("q_reason").alias("reason")
    )
    if superseded and source.duplicate_ids == "last_wins":
        dup_quality = spark.createDataFrame(
            pd.DataFrame(
                {
                    "source": source.name,
                    "record_id": superseded,
                    "field": "record_id",
                    "reason": "duplicate_id_superseded",
                }
            ),
            schema="source string, record_id string, field string, reason string",
        )
        quality = quality.unionByName(dup_quality)
    return _SourceRows(
        records, quality, table_columns, derived, extra_names, input_rows, superseded
    )


@dataclass
class _PreparedRows:
    table: DataFrame  # pos + table columns + x:<extra> columns
    quality: DataFrame
    columns: list[str]  # table columns in the local engine's order
    extras: list[str]
    fields: set[str]
    input_rows: int
    n: int


def _prepare(
    spark: SparkSession, config: ResolverConfig, tables: dict[str, TableLike] | None
) -> _PreparedRows:
    parts = [_normalise_source(spark, config, s, tables) for s in config.sources]
    records = parts[0].records
    quality = parts[0].quality
    for part in parts[1:]:
        records = records.unionByName(part.records, allowMissingColumns=True)
        quality = quality.unionByName(part.quality)
    # the local engine concatenates the sources, then derives keys: same column order here
    base: list[str] = []
    derived: list[str] = []
    extras: list[str] = []
    for part in parts:
        base += [c for c in part.table_columns if c not in part.derived_columns and c not in base]
    for part in parts:
        derived += [c for c in part.derived_columns if c not in derived]
    # as the local engine: extras columns sorted, independent of the order of sources
    extras = sorted({e for p in parts for e in p.extras})
    # derived keys exist for a source only if its columns do; the rest are null
    for col in base + derived:
        if col not in records.columns:
            records = records.withColumn(col, F.lit(None).cast("string"))
    columns = base + [c for c in derived if c not in base]

    # positions in (source, record_id) order without moving all rows to one partition
    ordered = _persist(
        records.orderBy("source", "record_id").select(
            "*",
            F.spark_partition_id().alias("_pid"),
            F.monotonically_increasing_id().alias("_mid"),
        )
    )
    sizes = sorted((r["_pid"], r["count"]) for r in ordered.groupBy("_pid").count().collect())
    offsets, start = [], 0
    for pid, count in sizes:
        offsets.append((pid, start - (pid << 33)))
        start += count
    shift = spark.createDataFrame(offsets, schema="_pid int, _shift long")
    table = _persist(
        ordered.join(F.broadcast(shift), "_pid").select(
            (F.col("_mid") + F.col("_shift")).alias(_POS),
            *[_c(c) for c in columns],
            *[_c(f"x:{e}") for e in extras],
        )
    )
    n = table.count()
    ordered.unpersist()
    fields: set[str] = set()
    for source in config.sources:
        fields |= set(source.fields)
    return _PreparedRows(
        table, quality, columns, extras, fields, sum(p.input_rows for p in parts), n
    )


# -- block -------------------------------------------------------------------------------


def _generic(
    table: DataFrame, keys: list[str], max_share: int
) -> tuple[dict[str, list[str]], list[GenericValue]]:
    values: dict[str, list[str]] = {k: [] for k in keys}
    if not keys:
        return values, []
    stacked = None
    for key in keys:
        part = table.where(F.col(key).isNotNull()).select(
            F.lit(key).alias("key"), F.col(key).alias("value"), _POS
        )
        stacked = part if stacked is None else stacked.unionByName(part)
    assert stacked is not None
    rows = (
        stacked.groupBy("key", "value")
        .agg(F.count("*").alias("n"), F.min(_POS).alias("first"))
        .where(F.col("n") > max_share)
        .collect()
    )
    found: list[GenericValue] = []
    for key in keys:
        mine = sorted((r for r in rows if r["key"] == key), key=lambda r: (-r["n"], r["first"]))
        values[key] = [r["value"] for r in mine]
        found += [GenericValue(key_field(key), mask_value(r["value"]), int(r["n"])) for r in mine]
    return values, found


def _rule_keys(
    table: DataFrame, rules: list[BlockingRule], generic: dict[str, list[str]]
) -> DataFrame:
    def key(name: str) -> Any:
        col = F.col(name)
        # as Blocker: "phone" is masked by phone_key's generic values unless it has its own
        source = name if generic.get(name) else generic_key(name)
        if generic.get(source):
            col = F.when(F.col(source).isin(generic[source]), F.lit(None)).otherwise(col)
        return col

    exprs = []
    for r, rule in enumerate(rules):
        cols = [key(k).alias(k) for k in rule.on]
        if len(cols) == 1:
            expr = cols[0]
        else:
            present = F.lit(True)
            for k in rule.on:
                present = present & key(k).isNotNull()
            expr = F.when(present, F.struct(*cols))
        exprs.append(expr.alias(f"k{r}"))
    keyed = table.select(_POS, *exprs)
    records: int | None = None
    for r, rule in enumerate(rules):
        if rule.max_block_size is None and rule.max_pairs_per_record is None:
            continue
        # the local engine's _cap_blocks: a block over the rule's limit builds no pairs
        limit = rule.max_block_size
        if rule.max_pairs_per_record is not None:
            records = table.count() if records is None else records
            col = f"k{r}"
            histogram = (
                keyed.where(F.col(col).isNotNull()).groupBy(col).count().groupBy("count").count()
            )
            rows = histogram.collect()
            blocks_of_size = np.zeros(max((int(row[0]) for row in rows), default=0) + 1, np.int64)
            for row in rows:
                blocks_of_size[int(row[0])] = int(row[1])
            limit = block_size_limit(rule, blocks_of_size, records)
        if limit is not None:
            size = F.count(F.lit(1)).over(_window_by(f"k{r}"))
            keyed = keyed.withColumn(f"k{r}", F.when(size <= limit, F.col(f"k{r}")))
    return _persist(keyed)


def _rule_stats(keyed: DataFrame, rules: list[BlockingRule], limit: int) -> list[RuleStats]:
    stacked = None
    for r in range(len(rules)):
        part = keyed.where(F.col(f"k{r}").isNotNull()).select(
            F.lit(r).alias("rule"), F.to_json(F.struct(F.col(f"k{r}").alias("k"))).alias("key")
        )
        stacked = part if stacked is None else stacked.unionByName(part)
    assert stacked is not None
    blocks = stacked.groupBy("rule", "key").count()
    totals = {
        row["rule"]: int(row["pairs"] or 0)
        for row in blocks.groupBy("rule")
        .agg(F.sum(F.col("count") * (F.col("count") - 1) / 2).cast("long").alias("pairs"))
        .collect()
    }
    out = []
    for r, rule in enumerate(rules):
        pairs = totals.get(r, 0)
        largest: list[tuple[str, int]] = []
        if pairs > limit:
            top = blocks.where(F.col("rule") == r).orderBy(F.desc("count")).limit(5).collect()
            largest = [(mask_value(row["key"]), int(row["count"])) for row in top]
        out.append(RuleStats(rule.label, pairs, largest))
    return out


def _check_stats(stats: list[RuleStats], limit: int) -> None:
    for s in stats:
        if s.pairs > limit:
            worst = ", ".join(f"{v} in {n:,} records" for v, n in s.largest_blocks[:3])
            msg = (
                f"blocking rule '{s.rule}' would build {s.pairs:,} candidate pairs, more than "
                f"max_pairs_per_rule={limit:,}; largest blocks: {worst}. "
                "Make the rule stricter (add a key) or raise max_pairs_per_rule."
            )
            raise BlockingError(msg)


def _candidate_pairs(keyed: DataFrame, n_rules: int) -> DataFrame:
    """Each pair once: a rule keeps a pair only if no earlier rule's key agrees on it."""
    a, b = keyed.alias("a"), keyed.alias("b")

    def agree(r: int) -> Any:
        return F.coalesce(F.col(f"a.k{r}") == F.col(f"b.k{r}"), F.lit(False))

    out: DataFrame | None = None
    for r in range(n_rules):
        joined = a.where(F.col(f"k{r}").isNotNull()).join(
            b, (F.col(f"a.k{r}") == F.col(f"b.k{r}")) & (F.col(f"a.{_POS}") < F.col(f"b.{_POS}"))
        )
        for p in range(r):
            joined = joined.where(~agree(p))
        pairs = joined.select(
            F.col(f"a.{_POS}").alias("left"),
            F.col(f"b.{_POS}").alias("right"),
            *[agree(q).alias(f"agree{q}") for q in range(n_rules)],
        )
        out = pairs if out is None else out.unionByName(pairs)
    assert out is not None
    return out


# -- compare and score -------------------------------------------------------------------


def _needed_columns(comparisons: list[Comparison]) -> list[str]:
    needed = set()
    for comp in comparisons:
        needed.add(comp.column)
        needed |= {lv.column for lv in comp.levels if lv.column}
    return sorted(needed)


def _with_values(pairs: DataFrame, table: DataFrame, columns: list[str]) -> DataFrame:
    left = table.select(F.col(_POS).alias("left"), *[F.col(c).alias(f"l_{c}") for c in columns])
    right = table.select(F.col(_POS).alias("right"), *[F.col(c).alias(f"r_{c}") for c in columns])
    return pairs.join(left, "left").join(right, "right")


def _levels(
    pairs: DataFrame,
    comparisons: list[Comparison],
    columns: list[str],
    keep: list[str],
) -> DataFrame:
    """Levels per pair row via :func:`pair_levels`, plus the agreement-pattern key."""
    n_levels = [c.n_levels for c in comparisons]
    level_names = [f"lv{c}" for c in range(len(comparisons))]
    schema = T.StructType(
        [T.StructField("left", T.LongType()), T.StructField("right", T.LongType())]
        + [pairs.schema[k] for k in keep]
        + [T.StructField(n, T.ByteType()) for n in level_names]
        + [T.StructField("pattern", T.LongType())]
    )

    def compute(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            left = pd.DataFrame({c: batch[f"l_{c}"].to_numpy() for c in columns})
            right = pd.DataFrame({c: batch[f"r_{c}"].to_numpy() for c in columns})
            levels = pair_levels(left, right, comparisons)
            out = batch[["left", "right", *keep]].reset_index(drop=True)
            for c, name in enumerate(level_names):
                out[name] = levels[:, c]
            out["pattern"] = encode_patterns(levels, n_levels)
            yield out

    return pairs.mapInPandas(compute, schema)


def _pattern_counts(keys: np.ndarray, counts: np.ndarray, n_levels: list[int]) -> PatternCounts:
    """Same as :meth:`PatternCounts.from_levels` on the pairs the counts stand for."""
    uniq, inverse = np.unique(keys.astype(np.int64), return_inverse=True)
    total = np.bincount(inverse, weights=counts, minlength=uniq.size).astype(np.int64)
    return PatternCounts(decode_patterns(uniq, n_levels), total)


def _fit(
    config: ResolverConfig,
    comparisons: list[Comparison],
    rules: list[BlockingRule],
    random_counts: PatternCounts,
    counts: pd.DataFrame,
    n: int,
) -> FellegiSunterModel:
    n_levels = [c.n_levels for c in comparisons]
    keys = counts["pattern"].to_numpy(dtype=np.int64)
    weight = counts["count"].to_numpy(dtype=np.int64)
    sessions = []
    for r, rule in enumerate(rules):
        agree = counts[f"agree{r}"].to_numpy(dtype=bool)
        sessions.append(
            TrainingSession(
                rule.label,
                _pattern_counts(keys[agree], weight[agree], n_levels),
                biased_comparisons(rule, comparisons),
                implied_top_comparisons(rule, comparisons),
            )
        )
    model = FellegiSunterModel(
        comparisons, max_iterations=config.em_max_iterations, household=config.household_model
    )
    return model.fit(
        sessions, random_counts, _pattern_counts(keys, weight, n_levels), n * (n - 1) // 2
    )


def _term_frequencies(table: DataFrame, comparisons: list[Comparison]) -> TermFrequencies:
    columns = tf_columns(comparisons, list(table.columns))
    if not columns:
        return TermFrequencies({})
    stacked = None
    for col in columns:
        part = table.where(F.col(col).isNotNull()).select(
            F.lit(col).alias("column"), F.col(col).alias("value")
        )
        stacked = part if stacked is None else stacked.unionByName(part)
    assert stacked is not None
    frame = stacked.groupBy("column", "value").count().toPandas()
    counts: dict[str, pd.Series] = {}
    for col in columns:
        mine = frame[frame["column"] == col].sort_values(
            ["count", "value"], ascending=[False, True], kind="stable"
        )
        counts[col] = pd.Series(
            mine["count"].to_numpy(dtype=np.int64), index=pd.Index(mine["value"], dtype=object)
        )
    return TermFrequencies(counts)


def _score(
    spark: SparkSession,
    levelled: DataFrame,
    comparisons: list[Comparison],
    model: FellegiSunterModel,
    frequencies: TermFrequencies,
) -> DataFrame:
    shared = spark.sparkContext.broadcast((model, frequencies))
    level_names = [f"lv{c}" for c in range(len(comparisons))]
    tf_names = list(frequencies.counts)
    schema = T.StructType(
        [T.StructField("left", T.LongType()), T.StructField("right", T.LongType())]
        + [T.StructField(n, T.ByteType()) for n in level_names]
        + [
            T.StructField("match_weight", T.DoubleType()),
            T.StructField("match_probability", T.DoubleType()),
        ]
    )

    def compute(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        fitted, tf = shared.value
        for batch in batches:
            levels = batch[level_names].to_numpy(dtype=np.int8)
            values = {col: batch[f"l_{col}"].to_numpy(dtype=object) for col in tf_names}
            weight = fitted.match_weight(levels, tf.adjustments(comparisons, levels, values))
            out = batch[["left", "right", *level_names]].reset_index(drop=True)
            out["match_weight"] = weight
            out["match_probability"] = probability(weight)
            yield out

    return levelled.mapInPandas(compute, schema)


# -- cluster -----------------------------------------------------------------------------


def _cluster(
    spark: SparkSession, edges: DataFrame, table: DataFrame, max_cluster_size: int
) -> tuple[DataFrame, SplitReport]:
    """``pos, cluster`` for every record; cluster = smallest member position."""
    comps = _persist(
        connected_components(edges.select(F.col("left").alias("src"), F.col("right").alias("dst")))
    )
    sizes = comps.groupBy("component").count()
    big = _persist(sizes.where(F.col("count") > max_cluster_size))
    report = SplitReport()
    labels = comps
    big_rows = sorted((r["component"], r["count"]) for r in big.collect())
    if big_rows:
        member = comps.select(F.col("node").alias("left"), "component")
        big_edges = edges.join(member, "left").join(big.select("component"), "component")

        def split(group: pd.DataFrame) -> pd.DataFrame:
            group = group.sort_values(["left", "right"], kind="stable")
            left = group["left"].to_numpy(dtype=np.int64)
            right = group["right"].to_numpy(dtype=np.int64)
            members = np.unique(np.concatenate([left, right]))
            sub = pivot_split(
                members, left, right, group["match_weight"].to_numpy(), max_cluster_size
            )
            return pd.DataFrame(
                {"node": members, "component": group["component"].iloc[0], "label": sub}
            )

        pieces = _persist(
            big_edges.groupBy("component").applyInPandas(
                split, "node long, component long, label long"
            )
        )
        counts = dict(
            (r["component"], r["n"])
            for r in pieces.groupBy("component").agg(F.countDistinct("label").alias("n")).collect()
        )
        report.split = [(int(size), int(counts[comp])) for comp, size in big_rows]
        # each piece is labelled by its smallest member, as canonical_labels does
        relabelled = pieces.withColumn("component", F.min("node").over(_window_by("label"))).select(
            "node", "component"
        )
        labels = comps.join(pieces.select("node"), "node", "left_anti").unionByName(relabelled)
    out = table.select(_POS).join(
        labels.select(F.col("node").alias(_POS), "component"), _POS, "left"
    )
    return (
        _persist(out.select(_POS, F.coalesce("component", _POS).alias("cluster"))),
        report,
    )


def _join_exclusive(
    spark: SparkSession,
    scored: DataFrame,
    labels: DataFrame,
    comparisons: list[Comparison],
    config: ResolverConfig,
) -> tuple[DataFrame, int]:
    """:meth:`Resolver.join_exclusive` on Spark: cluster pairs summarised by Spark, joined here.

    Only the plausible cluster pairs (no strong disagreement, best probability at least
    the setting) reach the driver.
    """
    settings = config.clustering
    if settings.exclusive_link_threshold is None:
        return labels, 0
    conflict = F.lit(False)
    for c, comp in enumerate(comparisons):
        if comp.strong:
            conflict = conflict | (F.col(f"lv{c}") == comp.n_levels - 1)
    side = labels.select(F.col(_POS).alias("node"), "cluster")
    between = (
        scored.select(
            "left",
            "right",
            "match_probability",
            F.coalesce(conflict, F.lit(False)).alias("conflict"),
        )
        .join(side.select(F.col("node").alias("left"), F.col("cluster").alias("a")), "left")
        .join(side.select(F.col("node").alias("right"), F.col("cluster").alias("b")), "right")
        .where(F.col("a") != F.col("b"))
        .select(
            F.least("a", "b").alias("x"),
            F.greatest("a", "b").alias("y"),
            "conflict",
            "match_probability",
        )
    )
    sizes = labels.groupBy("cluster").count()
    plausible = (
        between.groupBy("x", "y")
        .agg(
            F.max(F.col("conflict").cast("int")).alias("conflict"),
            F.max("match_probability").alias("best"),
        )
        .where((F.col("conflict") == 0) & (F.col("best") >= settings.exclusive_link_threshold))
        .join(sizes.select(F.col("cluster").alias("x"), F.col("count").alias("size_x")), "x")
        .join(sizes.select(F.col("cluster").alias("y"), F.col("count").alias("size_y")), "y")
        .toPandas()
    )
    if plausible.empty:
        return labels, 0
    x = plausible["x"].to_numpy(dtype=np.int64)
    y = plausible["y"].to_numpy(dtype=np.int64)
    join = exclusive_partners(
        x,
        y,
        np.zeros(x.size, dtype=bool),
        plausible["best"].to_numpy(dtype=float),
        plausible["size_x"].to_numpy(dtype=np.int64),
        plausible["size_y"].to_numpy(dtype=np.int64),
        low=settings.exclusive_link_threshold,
        max_cluster_size=settings.max_cluster_size,
    )
    if not join.any():
        return labels, 0
    moves = spark.createDataFrame(
        pd.DataFrame({"cluster": y[join], "target": x[join]}), schema="cluster long, target long"
    )
    joined = labels.join(moves, "cluster", "left").select(
        _POS, F.coalesce("target", "cluster").alias("cluster")
    )
    return _persist(joined), int(join.sum())


def _window_by(column: str) -> Any:
    from pyspark.sql.window import Window

    return Window.partitionBy(column)


# -- merge -------------------------------------------------------------------------------


def _golden(
    spark: SparkSession, table: DataFrame, labels: DataFrame, columns: list[str], extras: list[str]
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Golden records, lineage and crosswalk by :func:`build_golden` on whole clusters."""
    x_cols = [f"x:{e}" for e in extras]

    def golden_of(group: pd.DataFrame) -> Any:
        group = group.sort_values(_POS, kind="stable").reset_index(drop=True)
        frame = group[columns]
        extra = group[x_cols].set_axis(extras, axis=1)
        first = (
            pd.Series(np.arange(len(group))).groupby(group["cluster"].to_numpy()).transform("min")
        )
        return build_golden(frame, extra, first.to_numpy(dtype=np.int64))

    # the output columns depend on the columns only: one placeholder record tells them
    placeholder: dict[str, list[Any]] = {c: [None] for c in [_POS, *columns, *x_cols]}
    placeholder.update({_POS: [0], "source": ["s"], "record_id": ["r"], "trust": [0]})
    sample = pd.DataFrame(placeholder).assign(cluster=0)
    probe = golden_of(sample)
    golden_columns = list(probe.golden.columns)
    g_names = [f"g{i}" for i in range(len(golden_columns))]
    schema = T.StructType(
        [T.StructField(_KIND, T.StringType())]
        + [
            T.StructField(g, T.LongType() if c == "n_records" else T.StringType())
            for g, c in zip(g_names, golden_columns, strict=True)
        ]
        + [T.StructField(f"l_{c}", T.StringType()) for c in probe.lineage.columns]
        + [T.StructField(f"c_{c}", T.StringType()) for c in probe.crosswalk.columns]
    )
    names = schema.fieldNames()

    def text(frame: pd.DataFrame, keep: set[str]) -> pd.DataFrame:
        out = frame.astype(object).where(frame.notna(), None)
        for col in out.columns:
            if col not in keep:
                out[col] = out[col].map(lambda v: v if v is None or isinstance(v, str) else str(v))
        return out

    def build(group: pd.DataFrame) -> pd.DataFrame:
        merged = golden_of(group)
        golden = merged.golden.set_axis(g_names, axis=1)
        golden = text(
            golden, {g for g, c in zip(g_names, golden_columns, strict=True) if c == "n_records"}
        )
        golden[_KIND] = "g"
        lineage = text(merged.lineage.add_prefix("l_"), set())
        lineage[_KIND] = "l"
        crosswalk = merged.crosswalk.add_prefix("c_")
        crosswalk[_KIND] = "c"
        out = pd.concat([golden, lineage, crosswalk], ignore_index=True).reindex(columns=names)
        return out.astype(object).where(out.notna(), None)

    buckets = int(spark.conf.get("spark.sql.shuffle.partitions") or 8)
    view = table.join(labels, _POS).withColumn(
        "_bucket", F.pmod(F.xxhash64("cluster"), F.lit(buckets))
    )
    merged = _persist(view.groupBy("_bucket").applyInPandas(build, schema))
    golden = merged.where(F.col(_KIND) == "g").select(
        *[F.col(g).alias(c) for g, c in zip(g_names, golden_columns, strict=True)]
    )
    lineage = merged.where(F.col(_KIND) == "l").select(
        *[F.col(f"l_{c}").alias(c) for c in probe.lineage.columns]
    )
    crosswalk = merged.where(F.col(_KIND) == "c").select(
        *[F.col(f"c_{c}").alias(c) for c in probe.crosswalk.columns]
    )
    return golden, lineage, crosswalk


# -- the run -----------------------------------------------------------------------------


@dataclass
class SparkResolution:
    """A Spark resolution: outputs as Spark DataFrames, model and statistics on the driver."""

    resolver: Resolver
    spark: SparkSession
    prepared: _PreparedRows
    comparisons: list[Comparison]
    rule_stats: list[RuleStats]
    generic: list[GenericValue]
    generic_quality: DataFrame
    scored: DataFrame  # left, right, lv*, match_weight, match_probability
    labels: DataFrame  # pos, cluster
    split: SplitReport
    exclusive_joins: int
    model: FellegiSunterModel
    golden: DataFrame
    lineage: DataFrame
    crosswalk: DataFrame
    threshold: float
    curve: list[Any]

    @property
    def quality(self) -> DataFrame:
        return self.prepared.quality.unionByName(self.generic_quality)

    @property
    def pairs(self) -> DataFrame:
        """Candidate pairs with both records' (source, record_id), weight and levels."""
        ids = self.prepared.table.select(_POS, "source", "record_id")
        left = ids.select(
            F.col(_POS).alias("left"),
            F.col("source").alias("left_source"),
            F.col("record_id").alias("left_record_id"),
        )
        right = ids.select(
            F.col(_POS).alias("right"),
            F.col("source").alias("right_source"),
            F.col("record_id").alias("right_record_id"),
        )
        levels = [
            F.col(f"lv{c}").alias(f"level_{comp.name}") for c, comp in enumerate(self.comparisons)
        ]
        return (
            self.scored.join(left, "left")
            .join(right, "right")
            .select(
                "left_source",
                "left_record_id",
                "right_source",
                "right_record_id",
                "match_weight",
                "match_probability",
                *levels,
            )
        )

    def write_parquet(self, out: str, *, mode: str = "overwrite") -> str:
        """Write crosswalk, golden, lineage, pairs and quality as Parquet folders under ``out``.

        ``out`` may be any path Spark writes to (a local folder, ``hdfs://``, ``s3a://``,
        ``abfss://``, ``dbfs:/``). ``model.json`` and ``report.json`` go beside them when
        ``out`` is a local path.
        """
        for name, frame in (
            ("crosswalk", self.crosswalk),
            ("golden", self.golden),
            ("lineage", self.lineage),
            ("pairs", self.pairs),
            ("quality", self.quality),
        ):
            frame.write.mode(mode).parquet(f"{out.rstrip('/')}/{name}")
        if "://" not in out or out.startswith("file://"):
            local = Path(out.removeprefix("file://"))
            self.model.save(local / "model.json")
            (local / "report.json").write_text(
                json.dumps(self.summary(), indent=2, ensure_ascii=False), encoding="utf-8"
            )
        return out

    def summary(self) -> dict[str, Any]:
        """Counts computed by Spark, without collecting the outputs."""
        threshold = self.threshold
        return {
            "custmdm_version": __version__,
            "engine": "spark",
            "counts": {
                "input_rows": self.prepared.input_rows,
                "records": self.prepared.n,
                "candidate_pairs": sum(s.pairs for s in self.rule_stats),
                "linked_pairs": self.scored.where(F.col("match_probability") >= threshold).count(),
                "customers": self.labels.select("cluster").distinct().count(),
            },
            "clusters_split": [{"size": a, "pieces": b} for a, b in self.split.split],
            "threshold": threshold,
            "timings": dict(self.resolver.timings),
            "model": self.model.to_dict(),
        }

    def result(self) -> ResolutionResult:
        """Collect to the driver: the same :class:`ResolutionResult` the local engine gives."""
        resolver = self.resolver
        prep = self.prepared
        full = prep.table.orderBy(_POS).toPandas()
        table = full[prep.columns].reset_index(drop=True)
        table = table.astype({c: object for c in table.columns if table[c].dtype != np.int64})
        table = table.where(table.notna(), None)
        extras = full[[f"x:{e}" for e in prep.extras]].set_axis(prep.extras, axis=1)
        extras = extras.astype(object).where(extras.notna(), None).reset_index(drop=True)
        quality_norm = prep.quality.toPandas()[list(QUALITY_COLUMNS)]
        quality_norm = quality_norm.sort_values(list(QUALITY_COLUMNS), kind="stable").reset_index(
            drop=True
        )
        prepared = Prepared(
            table=table,
            quality=quality_norm,
            extras=extras,
            fields=prep.fields,
            input_rows=prep.input_rows,
        )
        generic_quality = self.generic_quality.toPandas()
        quality = pd.concat([quality_norm, generic_quality], ignore_index=True)
        quality = quality.sort_values(list(QUALITY_COLUMNS), kind="stable").reset_index(drop=True)

        scored = self.scored.toPandas().sort_values(["left", "right"], kind="stable")
        left = scored["left"].to_numpy(dtype=np.int64)
        right = scored["right"].to_numpy(dtype=np.int64)
        levels = scored[[f"lv{c}" for c in range(len(self.comparisons))]].to_numpy(np.int8)
        weight = scored["match_weight"].to_numpy(dtype=float)
        prob = scored["match_probability"].to_numpy(dtype=float)
        pairs = resolver._pairs_frame(table, self.comparisons, left, right, levels, weight, prob)
        n_edges = int((prob >= self.threshold).sum())
        labels = (
            self.labels.orderBy(_POS).toPandas()["cluster"].to_numpy(dtype=np.int64)
            if prep.n
            else np.zeros(0, dtype=np.int64)
        )
        golden = self.golden.toPandas().sort_values("customer_id", kind="stable")
        golden = golden.astype(object).where(golden.notna(), None).reset_index(drop=True)
        lineage = self.lineage.toPandas()
        lineage = lineage.sort_values(list(lineage.columns), kind="stable").reset_index(drop=True)
        lineage = lineage_categories(lineage)
        crosswalk = self.crosswalk.toPandas()
        crosswalk = crosswalk.sort_values(["source", "record_id"], kind="stable").reset_index(
            drop=True
        )
        report = resolver._report(
            prepared,
            self.rule_stats,
            self.generic,
            left.size,
            n_edges,
            labels,
            self.split,
            self.exclusive_joins,
            self.model,
            quality,
            self.threshold,
            self.curve,
        )
        report["engine"] = "spark"
        return ResolutionResult(
            crosswalk=crosswalk,
            golden=golden,
            lineage=lineage,
            pairs=pairs,
            quality=quality,
            model=self.model,
            report=report,
            prepared=prepared,
            comparisons=self.comparisons,
            _resolver=resolver,
        )


def _threshold(
    resolver: Resolver, model: FellegiSunterModel, n: int, scored: DataFrame
) -> tuple[float, list[Any]]:
    """:meth:`Resolver.effective_threshold`; choosing one needs the scored pairs on the driver."""
    empty = np.zeros(0, dtype=np.int64)
    arrays = [empty, empty, np.zeros(0), np.zeros(0)]
    if resolver.config.threshold is None and model.threshold_ is None:
        frame = (
            scored.select("left", "right", "match_probability", "match_weight")
            .toPandas()
            .sort_values(["left", "right"], kind="stable")
        )
        arrays = [frame[c].to_numpy() for c in frame.columns]
    return resolver.effective_threshold(model, n, *arrays)


def resolve(resolver: Resolver, tables: dict[str, TableLike] | None = None) -> SparkResolution:
    """Run every stage on Spark; outputs stay Spark DataFrames (see :class:`SparkResolution`).

    ``tables`` may give pandas/polars/pyarrow tables or Spark DataFrames by source name.
    """
    if resolver.labelled_pairs is not None:
        msg = (
            "labelled pairs calibrate the threshold on the local engine only: resolve a sample "
            "locally with them and pass its model.json (--model) to the Spark engine"
        )
        raise ConfigError(msg)
    spark = _session(resolver)
    cfg = resolver.config
    resolver.timings = {}
    with resolver._stage("normalise"):
        prep = _prepare(spark, cfg, tables)
    # comparisons and rules depend on the columns only: a one-row table decides them
    probe = Prepared(
        table=pd.DataFrame(columns=prep.columns),
        quality=pd.DataFrame(columns=list(QUALITY_COLUMNS)),
        extras=pd.DataFrame(),
        fields=prep.fields,
    )
    comparisons = resolver.comparisons_for(probe)
    rules = resolver.blocking_rules_for(probe)
    table = prep.table
    n = prep.n

    with resolver._stage("block"):
        keys = [k for k in IDENTIFIER_KEYS if k in prep.columns]
        generic_values, generic = _generic(table, keys, cfg.max_identifier_share)
        generic_quality = table.select("source", "record_id", *keys)
        parts = []
        for key in keys:
            if generic_values[key]:
                parts.append(
                    generic_quality.where(F.col(key).isin(generic_values[key])).select(
                        "source",
                        "record_id",
                        F.lit(key_field(key)).alias("field"),
                        F.lit("generic_value").alias("reason"),
                    )
                )
        generic_rows = spark.createDataFrame(
            [], "source string, record_id string, field string, reason string"
        )
        for part in parts:
            generic_rows = generic_rows.unionByName(part)
        missing = sorted({k for r in rules for k in r.on} - set(prep.columns))
        if missing:
            msg = f"blocking rules use unknown key column(s) {missing}"
            raise ConfigError(msg)
        keyed = _rule_keys(table, rules, generic_values)
        rule_stats = _rule_stats(keyed, rules, cfg.max_pairs_per_rule)
        _check_stats(rule_stats, cfg.max_pairs_per_rule)
        pairs = _candidate_pairs(keyed, len(rules))

    columns = _needed_columns(comparisons)
    unknown = sorted(set(columns) - set(prep.columns))
    if unknown:
        msg = f"comparisons use unknown column(s) {unknown}"
        raise ConfigError(msg)
    frequencies_cols = tf_columns(comparisons, columns)
    agree_cols = [f"agree{r}" for r in range(len(rules))]
    with resolver._stage("compare"):
        levelled = _persist(
            _levels(
                _with_values(pairs, table, columns),
                comparisons,
                columns,
                agree_cols + [f"l_{c}" for c in dict.fromkeys(frequencies_cols)],
            )
        )
        levelled.count()
    with resolver._stage("score"):
        n_levels = [c.n_levels for c in comparisons]
        if resolver.model is None:
            ra, rb = resolver.random_pairs(n)
            random_df = spark.createDataFrame(
                pd.DataFrame({"left": ra.astype(np.int64), "right": rb.astype(np.int64)}),
                schema="left long, right long",
            )
            random_counts_df = (
                _levels(_with_values(random_df, table, columns), comparisons, columns, [])
                .groupBy("pattern")
                .count()
                .toPandas()
            )
            random_counts = _pattern_counts(
                random_counts_df["pattern"].to_numpy(dtype=np.int64),
                random_counts_df["count"].to_numpy(dtype=np.int64),
                n_levels,
            )
            counts = levelled.groupBy("pattern", *agree_cols).count().toPandas()
            model = _fit(cfg, comparisons, rules, random_counts, counts, n)
        else:
            model = resolver.model
        frequencies = _term_frequencies(table, comparisons)
        frequencies.reference = dict(model.freeze_term_frequencies(frequencies))
        scored = _persist(_score(spark, levelled, comparisons, model, frequencies))
        scored.count()
    with resolver._stage("cluster"):
        threshold, curve = _threshold(resolver, model, n, scored)
        edges = scored.where(F.col("match_probability") >= threshold).select(
            "left", "right", "match_weight"
        )
        labels, split = _cluster(spark, edges, table, cfg.clustering.max_cluster_size)
        labels, exclusive_joins = _join_exclusive(spark, scored, labels, comparisons, cfg)
    with resolver._stage("merge"):
        golden, lineage, crosswalk = _golden(spark, table, labels, prep.columns, prep.extras)
    return SparkResolution(
        resolver=resolver,
        spark=spark,
        prepared=prep,
        comparisons=comparisons,
        rule_stats=rule_stats,
        generic=generic,
        generic_quality=generic_rows,
        scored=scored,
        labels=labels,
        split=split,
        exclusive_joins=exclusive_joins,
        model=model,
        golden=golden,
        lineage=lineage,
        crosswalk=crosswalk,
        threshold=threshold,
        curve=curve,
    )


def run(resolver: Resolver, tables: dict[str, TableLike] | None = None) -> ResolutionResult:
    """What ``Resolver(..., engine="spark").run(tables)`` calls: resolve, then collect."""
    return resolve(resolver, tables).result()
