"""The Resolver: composes normalise → block → compare → score → cluster → merge.

It owns no algorithm; each stage lives in its own module. Data flows one way.

Examples
--------
>>> from custmdm import resolve
>>> from custmdm.datasets.synthetic import demo_dir
>>> result = resolve(demo_dir() / "config.yaml")  # doctest: +SKIP
>>> result.crosswalk.columns.tolist()  # doctest: +SKIP
['source', 'record_id', 'customer_id']
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custmdm._fork import ForkedCall
from custmdm._version import __version__
from custmdm.blocking.rules import (
    IDENTIFIER_KEYS,
    Blocker,
    default_blocking_rules,
    generic_values,
    key_field,
)
from custmdm.clustering.components import cluster, join_exclusive
from custmdm.clustering.threshold import (
    ThresholdPoint,
    calibrate_threshold,
    choose_threshold,
    labelled_quality,
)
from custmdm.config import BlockingRule, Comparison, ExactLevel, ResolverConfig, load_config
from custmdm.csvfile import as_text, write_csv
from custmdm.labels import check_labelled_pairs, labelled_positions, read_labelled_pairs
from custmdm.matchers.base import EncodedColumn, LevelEvaluator
from custmdm.matchers.library import default_comparisons
from custmdm.merge.golden import build_golden, code_dtype, merge_inputs
from custmdm.prepare import Prepared, prepare, shared_strings, worker_count
from custmdm.schema import QUALITY_COLUMNS
from custmdm.scoring.fellegi_sunter import (
    FellegiSunterModel,
    PatternCounts,
    TrainingSession,
    probability,
)
from custmdm.scoring.term_frequency import TermFrequencies
from custmdm.sources import TableLike

log = logging.getLogger("custmdm")

ProgressCallback = Callable[[str, int, int], None]

#: Engines a resolution can run on.
ENGINES = ("local", "spark")

RANDOM_SEED = 20240601

#: Pairs per chunk for the term-frequency adjustments and for writing pairs.parquet.
TF_CHUNK_PAIRS = 2_000_000
#: Rows per row group of pairs.parquet (pyarrow's default, as ``DataFrame.to_parquet`` writes).
PAIRS_ROW_GROUP = 1024 * 1024
#: Candidate pairs above which a run keeps them in a temporary Parquet file while golden
#: records are built (``result.pairs`` reads them back when asked for): at 10M records they
#: would otherwise hold gigabytes through the merge stage and the writing of the outputs.
SPILL_PAIRS = 20_000_000
#: Records above which a run keeps the prepared table's matching keys (the columns golden
#: records do not read) in a temporary Parquet file from the merge stage on; ``result.prepared``
#: reads them back when asked for. At 10M records they hold gigabytes otherwise.
SPILL_RECORDS = 2_000_000
#: Records up to which golden records are built by ``workers`` processes: a forked worker
#: copies the memory pages of the table it reads, which above this would weigh gigabytes.
PARALLEL_MERGE_RECORDS = 2_000_000
#: Records up to which the levels of the random pairs (the u sample) are computed by a forked
#: child while this process blocks and compares: as for the merge, the child's pages weigh.
PARALLEL_U_SAMPLE_RECORDS = 2_000_000
#: Rows per batch written to that file: each batch's Arrow copy is a transient.
SPILL_BATCH_ROWS = 100_000


#: Which field family a prepared column speaks about; a blocking key biases every
#: comparison of its family.
_FAMILIES: dict[str, str] = {
    "first_name": "first",
    "first_key": "first",
    "first_phonetic": "first",
    "first_initial": "first",
    "first_full_key": "first",
    "first_full_name": "first",
    "last_full_key": "last",
    "middle_full_key": "middle",
    "last_name": "last",
    "last_key": "last",
    "last_phonetic": "last",
    "last_stem": "last",
    "middle_name": "middle",
    "middle_key": "middle",
    "full_key": "name",
    "name_pair_key": "name",
    "birth_date": "birth",
    "birth_year": "birth",
    "phone": "phone",
    "phones": "phone",
    "email": "email",
    "emails": "email",
    "national_id": "national_id",
    "address": "address",
    "address_key": "address",
    "postcode": "postcode",
    "city": "city",
    "city_key": "city",
    "street": "street",
    "street_key": "street",
    "house_number": "house_number",
}


def _family(column: str) -> str:
    return _FAMILIES.get(column, column)


def strong_disagreement(levels: np.ndarray, comparisons: list[Comparison]) -> np.ndarray:
    """Per pair: does any strong identifier (birth date, phone, email…) disagree outright?"""
    out = np.zeros(levels.shape[0], dtype=bool)
    for c, comp in enumerate(comparisons):
        if comp.strong:
            out |= levels[:, c] == comp.n_levels - 1
    return out


def biased_comparisons(rule: BlockingRule, comparisons: list[Comparison]) -> list[int]:
    """Indices of comparisons about a field the rule blocks on (EM must not learn them there)."""
    keys = {_family(k) for k in rule.on}
    if "name" in keys:
        keys |= {"first", "last", "middle"}
    out = []
    for c, comp in enumerate(comparisons):
        fams = {_family(comp.column)} | {_family(lv.column) for lv in comp.levels if lv.column}
        if fams & keys:
            out.append(c)
    return out


def implied_top_comparisons(rule: BlockingRule, comparisons: list[Comparison]) -> list[int]:
    """Comparisons whose top (exact) level every pair of ``rule`` has by construction."""
    keys = set(rule.on)
    out = []
    for c, comp in enumerate(comparisons):
        top = comp.levels[0]
        top_column = top.column or comp.column
        pair_key = "name_pair_key" in keys and comp.name in ("first_name", "last_name")
        if isinstance(top, ExactLevel) and (top_column in keys or pair_key):
            out.append(c)
    return out


@dataclass
class Explanation:
    """Why a pair got its weight: the prior, one term per comparison, and the household term.

    The terms add up to ``match_weight``. The household term (<= 0) is the evidence
    taken back because a household of different people would agree the same way.
    """

    left: tuple[str, str]
    right: tuple[str, str]
    prior_weight: float
    terms: list[dict[str, Any]]
    match_weight: float
    match_probability: float

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {"comparison": "prior", "level": "", "weight": self.prior_weight, "tf_adjustment": 0.0}
        ]
        rows += [
            {k: t[k] for k in ("comparison", "level", "weight", "tf_adjustment")}
            for t in self.terms
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        from custmdm.report.notebook import explanation_html

        return explanation_html(self)


class SpilledPairs:
    """Candidate pairs kept in a temporary ``pairs.parquet`` instead of in memory.

    The file is the one :func:`write_pairs` writes, so ``ResolutionResult.write`` copies it;
    :meth:`load` reads it back with the in-memory dtypes (categorical sides), one row group
    at a time. The temporary folder goes when this object does.
    """

    def __init__(self, pairs: pd.DataFrame) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="custmdm-pairs-")
        self.path = Path(self._folder.name) / "pairs.parquet"
        self.rows = len(pairs)
        self._dtypes = pairs.dtypes
        write_pairs(pairs, self.path)

    def load(self) -> pd.DataFrame:
        import pyarrow.parquet as pq

        categorical = {
            str(c): t.categories
            for c, t in self._dtypes.items()
            if isinstance(t, pd.CategoricalDtype)
        }
        parts: dict[str, list[np.ndarray]] = {str(c): [] for c in self._dtypes.index}
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=PAIRS_ROW_GROUP):
            chunk = batch.to_pandas()
            for col, values in chunk.items():
                name = str(col)
                if name in categorical:
                    parts[name].append(categorical[name].get_indexer(values.to_numpy()))
                else:
                    parts[name].append(values.to_numpy())
        data: dict[str, Any] = {}
        for col, dtype in self._dtypes.items():
            name = str(col)
            stacked = np.concatenate(parts.pop(name)) if self.rows else np.zeros(0, dtype=int)
            if name in categorical:
                data[name] = pd.Categorical.from_codes(
                    stacked.astype(code_dtype(len(categorical[name])), copy=False),
                    categories=categorical[name],
                    validate=False,
                )
            else:
                data[name] = stacked.astype(dtype, copy=False)
        return pd.DataFrame(data, copy=False)


class SpilledColumns:
    """Columns of the prepared table kept in a temporary Parquet file instead of in memory.

    :meth:`read` gives some of them back as the table had them (equal strings share one
    object again, missing values are ``None``); ``order`` is the table's column order. The
    temporary folder goes when this object does.
    """

    def __init__(self, table: pd.DataFrame, columns: list[str]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._folder = tempfile.TemporaryDirectory(prefix="custmdm-columns-")
        self.path = Path(self._folder.name) / "columns.parquet"
        self.columns = list(columns)
        self.order = [str(c) for c in table.columns]
        # text throughout (see spillable_columns), so one schema fits every row group
        schema = pa.schema([(c, pa.string()) for c in self.columns])
        with pq.ParquetWriter(self.path, schema) as writer:
            for start in range(0, len(table), SPILL_BATCH_ROWS):
                part = table.iloc[start : start + SPILL_BATCH_ROWS][self.columns]
                writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
        # Arrow's allocator keeps freed memory for reuse; merge would not use it
        pa.default_memory_pool().release_unused()

    def read(self, columns: list[str]) -> dict[str, np.ndarray]:
        """The given spilled columns as object arrays, as the table had them."""
        import pyarrow.parquet as pq

        if not columns:
            return {}
        back = pq.read_table(self.path, columns=columns)
        out: dict[str, np.ndarray] = {}
        for name in columns:
            values = back.column(name).to_pandas().to_numpy().astype(object, copy=False)
            out[name] = shared_strings(values)
        return out


def spillable_columns(table: pd.DataFrame) -> list[str]:
    """Text columns of ``table`` that golden records do not read: the matching keys."""
    kept = {"source", "record_id", *merge_inputs(table.columns)}
    return [
        str(c)
        for c in table.columns
        if c not in kept
        and table[c].dtype == object
        and pd.api.types.infer_dtype(table[c], skipna=True) in ("string", "empty")
    ]


@dataclass(init=False)
class ResolutionResult:
    """Everything a resolution produces; ``write`` puts it in a folder.

    ``pairs`` may wait in a temporary file (large runs, see :data:`SPILL_PAIRS`); it is
    read into memory the first time it is asked for. So may the matching keys of the
    prepared table (see :data:`SPILL_RECORDS`): ``prepared`` reads them back when asked for,
    :meth:`records` reads only the columns it is asked for.
    """

    crosswalk: pd.DataFrame
    golden: pd.DataFrame
    lineage: pd.DataFrame
    _pairs: pd.DataFrame | SpilledPairs = field(repr=False)
    quality: pd.DataFrame
    model: FellegiSunterModel
    report: dict[str, Any]
    _prepared: Prepared = field(repr=False)
    comparisons: list[Comparison]
    _resolver: Resolver | None = field(default=None, repr=False)
    _spilled_columns: SpilledColumns | None = field(default=None, repr=False)

    def __init__(
        self,
        crosswalk: pd.DataFrame,
        golden: pd.DataFrame,
        lineage: pd.DataFrame,
        pairs: pd.DataFrame | SpilledPairs,
        quality: pd.DataFrame,
        model: FellegiSunterModel,
        report: dict[str, Any],
        prepared: Prepared,
        comparisons: list[Comparison],
        _resolver: Resolver | None = None,
        spilled_columns: SpilledColumns | None = None,
    ) -> None:
        self.crosswalk = crosswalk
        self.golden = golden
        self.lineage = lineage
        self._pairs = pairs
        self.quality = quality
        self.model = model
        self.report = report
        self._prepared = prepared
        self.comparisons = comparisons
        self._resolver = _resolver
        self._spilled_columns = spilled_columns

    @property
    def prepared(self) -> Prepared:
        """The prepared record table, quality flags and extras the result was built from."""
        if self._spilled_columns is not None:
            # every column back in its place
            self._prepared.table = self.records(self._spilled_columns.order)
            self._spilled_columns = None
        return self._prepared

    @prepared.setter
    def prepared(self, value: Prepared) -> None:
        self._prepared, self._spilled_columns = value, None

    def records(self, columns: Iterable[str]) -> pd.DataFrame:
        """The prepared table's given columns (those it has), in its row order.

        Unlike ``prepared``, this reads back only these of the spilled matching keys.
        """
        table = self._prepared.table
        wanted = list(dict.fromkeys(str(c) for c in columns))
        store = self._spilled_columns
        data = store.read([c for c in wanted if c in store.columns]) if store is not None else {}
        data.update({c: table[c].to_numpy() for c in wanted if c in table.columns})
        return pd.DataFrame(
            {c: data[c] for c in wanted if c in data}, index=table.index, copy=False
        )

    @property
    def pairs(self) -> pd.DataFrame:
        """Every candidate pair with its levels, match weight and probability."""
        if isinstance(self._pairs, SpilledPairs):
            self._pairs = self._pairs.load()
        return self._pairs

    @pairs.setter
    def pairs(self, value: pd.DataFrame) -> None:
        self._pairs = value

    def write(self, out_dir: str | Path, *, html_report: bool = True) -> Path:
        """Write crosswalk.csv, golden.csv, lineage.csv, pairs.parquet, quality.csv, model.json,
        report.json and (unless ``html_report=False``) report.html."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        # lineage (the largest file) and the pairs in threads of their own: Arrow's kernels
        # that quote and join cells, and its Parquet encoder, release the GIL, so the other
        # files are written meanwhile
        with ThreadPoolExecutor(max_workers=2) as pool:
            lineage = pool.submit(write_csv, self.lineage, out / "lineage.csv")
            pairs: Future[Any] = (
                pool.submit(shutil.copyfile, self._pairs.path, out / "pairs.parquet")
                if isinstance(self._pairs, SpilledPairs)
                else pool.submit(write_pairs, self._pairs, out / "pairs.parquet")
            )
            write_csv(self.crosswalk, out / "crosswalk.csv")
            write_csv(self.golden, out / "golden.csv")
            write_csv(self.quality, out / "quality.csv")
            self.model.save(out / "model.json")
            (out / "report.json").write_text(
                json.dumps(self.report, indent=2, ensure_ascii=False), encoding="utf-8"
            )
            lineage.result()
            pairs.result()
        if html_report:
            from custmdm.report.html import write_report

            # report.html; adds the masked source profile to report.json
            write_report(out, result=self)
        return out

    def explain(self, left: tuple[str, str], right: tuple[str, str]) -> Explanation:
        """The weight waterfall of one pair, given as (source, record_id) tuples."""
        if self._resolver is None:
            raise RuntimeError("this result has no resolver attached")
        return self._resolver.explain(self, left, right)

    def cluster(self, customer_id: str) -> Any:
        """The records of one customer and the pairs among them (a graph in notebooks)."""
        from custmdm.report.notebook import cluster_view

        return cluster_view(self, customer_id)

    def _repr_html_(self) -> str:
        from custmdm.report.notebook import result_html

        return result_html(self)


def write_pairs(pairs: pd.DataFrame, path: Path) -> None:
    """``pairs.to_parquet(path, index=False)`` with text sides, one row group at a time.

    Categorical columns are written as plain text, as an object column would be; writing
    a row group at a time bounds the memory of the text copies.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if len(pairs) <= PAIRS_ROW_GROUP:
        as_text(pairs).to_parquet(path, index=False)
        return
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, len(pairs), PAIRS_ROW_GROUP):
            chunk = pa.Table.from_pandas(
                as_text(pairs.iloc[start : start + PAIRS_ROW_GROUP]), preserve_index=False
            )
            if writer is None:
                writer = pq.ParquetWriter(path, chunk.schema)
            writer.write_table(chunk)
    finally:
        if writer is not None:
            writer.close()


class Resolver:
    """Runs a resolution for one config.

    Parameters
    ----------
    config
        A :class:`ResolverConfig`, or a path to a YAML/JSON config file.
    model
        A fitted model (or a path to ``model.json``) to use instead of training.
    progress
        Called as ``progress(stage, done, total)`` during long stages.
    """

    def __init__(
        self,
        config: ResolverConfig | str | Path,
        *,
        model: FellegiSunterModel | str | Path | None = None,
        progress: ProgressCallback | None = None,
        engine: str = "local",
        spark: Any = None,
        labelled_pairs: pd.DataFrame | str | Path | None = None,
    ) -> None:
        if engine not in ENGINES:
            from custmdm.exceptions import ConfigError

            msg = f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}"
            raise ConfigError(msg)
        self.engine = engine
        self.spark = spark
        self.config = config if isinstance(config, ResolverConfig) else load_config(config)
        if model is not None and not isinstance(model, FellegiSunterModel):
            model = FellegiSunterModel.load(model)
        self.model = model
        self.progress = progress or (lambda stage, done, total: None)
        self.timings: dict[str, float] = {}
        if labelled_pairs is None and self.config.labelled_pairs is not None:
            labelled_pairs = self.config.resolve_labels_path()
        if isinstance(labelled_pairs, str | Path):
            labelled_pairs = read_labelled_pairs(labelled_pairs)
        elif labelled_pairs is not None:
            labelled_pairs = check_labelled_pairs(labelled_pairs)
        self.labelled_pairs: pd.DataFrame | None = labelled_pairs
        #: The threshold with and without the labelled pairs, for report.json.
        self.calibration: dict[str, Any] | None = None

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        log.info("stage %s: started", name)
        start = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - start, 4)
        log.info("stage %s: done in %.2f s", name, self.timings[name])

    # -- stages ------------------------------------------------------------------------

    def comparisons_for(self, prepared: Prepared) -> list[Comparison]:
        if self.model is not None:
            return list(self.model.comparisons)
        if self.config.comparisons is not None:
            return list(self.config.comparisons)
        comps = default_comparisons(prepared.fields)
        return [c for c in comps if c.column in prepared.table.columns]

    def blocking_rules_for(self, prepared: Prepared) -> list[BlockingRule]:
        if self.config.blocking is not None:
            return list(self.config.blocking)
        rules = default_blocking_rules(prepared.fields)
        return [r for r in rules if all(k in prepared.table.columns for k in r.on)]

    def random_pairs(self, n_records: int) -> tuple[np.ndarray, np.ndarray]:
        """Seeded random pairs over the id-sorted table (independent of input row order)."""
        total = n_records * (n_records - 1) // 2
        if total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        n = int(min(self.config.u_sample_pairs, total))
        rng = np.random.default_rng(RANDOM_SEED)
        a = rng.integers(0, n_records, size=n * 2)
        b = rng.integers(0, n_records, size=n * 2)
        keep = a != b
        a, b = a[keep][:n], b[keep][:n]
        return np.minimum(a, b), np.maximum(a, b)

    @staticmethod
    def tf_adjustments(
        table: pd.DataFrame,
        comparisons: list[Comparison],
        left: np.ndarray,
        levels: np.ndarray,
        frequencies: TermFrequencies | None = None,
        reference: dict[str, tuple[float, float]] | None = None,
    ) -> np.ndarray:
        """Term-frequency adjustment (bits) per pair of rows of ``table``."""
        tf = frequencies or TermFrequencies.from_table(table, comparisons)
        if reference:
            tf.reference = dict(reference)
        columns = {col: table[col].to_numpy() for col in tf.counts}
        if left.size <= TF_CHUNK_PAIRS:
            return tf.adjustments(comparisons, levels, {c: v[left] for c, v in columns.items()})
        # each pair's adjustment depends on that pair only: chunks bound the memory of the
        # per-pair value arrays
        out = np.empty(left.size)
        for start in range(0, left.size, TF_CHUNK_PAIRS):
            part = slice(start, start + TF_CHUNK_PAIRS)
            values = {c: v[left[part]] for c, v in columns.items()}
            out[part] = tf.adjustments(comparisons, levels[part], values)
        return out

    def run(self, tables: dict[str, TableLike] | None = None) -> ResolutionResult:
        """Resolve every source into golden records."""
        if self.engine == "spark":
            from custmdm.backends import load_spark_backend

            return load_spark_backend().run(self, tables)
        return self._run_local(tables)

    def _run_local(self, tables: dict[str, TableLike] | None) -> ResolutionResult:
        cfg = self.config
        self.timings = {}
        with self._stage("normalise"):
            prepared = prepare(cfg, tables, self.progress)
        table = prepared.table
        n = len(table)
        log.info("%d records from %d sources", n, len(cfg.sources))
        comparisons = self.comparisons_for(prepared)
        rules = self.blocking_rules_for(prepared)

        with self._stage("block"):
            generic_codes, generic = generic_values(
                table, [k for k in IDENTIFIER_KEYS if k in table.columns], cfg.max_identifier_share
            )
            generic_quality = self._generic_quality(table, generic_codes)
            blocker = Blocker(
                table, rules, max_pairs_per_rule=cfg.max_pairs_per_rule, generic=generic_codes
            )
            rule_stats = blocker.check()
        evaluator = LevelEvaluator(table, comparisons)
        random_levels: ForkedCall[np.ndarray] | None = None
        if self.model is None:
            ra, rb = self.random_pairs(n)
            # the u sample's levels do not depend on the candidates: a forked child computes
            # them while this process compares (the same levels either way)
            random_levels = ForkedCall(
                partial(evaluator.levels, ra, rb),
                enabled=worker_count(cfg) > 1 and n <= PARALLEL_U_SAMPLE_RECORDS,
            )
        with self._stage("compare"):
            lefts, rights, level_chunks = [], [], []
            done = 0
            total_est = sum(s.pairs for s in rule_stats)
            for left, right in blocker.iter_pairs():
                lefts.append(left)
                rights.append(right)
                level_chunks.append(evaluator.levels(left, right))
                done += left.size
                self.progress("compare", done, total_est)
            if lefts:
                # one concatenation at a time, each freeing its chunks: peak memory stays
                # near one copy of the pairs plus the sort order
                left = np.concatenate(lefts)
                lefts.clear()
                right = np.concatenate(rights)
                rights.clear()
                levels = np.concatenate(level_chunks)
                level_chunks.clear()
                order = np.lexsort((right, left))
                left = left[order]
                right = right[order]
                levels = levels[order]
                del order
            else:
                left = np.zeros(0, dtype=np.int32)
                right = np.zeros(0, dtype=np.int32)
                levels = np.zeros((0, len(comparisons)), dtype=np.int8)
            del lefts, rights, level_chunks
        with self._stage("score"):
            n_levels = [c.n_levels for c in comparisons]
            if self.model is None:
                assert random_levels is not None
                sessions = [
                    TrainingSession(
                        rule.label,
                        PatternCounts.from_levels(levels[agree], n_levels),
                        biased_comparisons(rule, comparisons),
                        implied_top_comparisons(rule, comparisons),
                    )
                    for rule, agree in zip(rules, blocker.rule_agreement(left, right), strict=True)
                ]
                random_counts = PatternCounts.from_levels(random_levels.result(), n_levels)
                del random_levels  # it holds the evaluator, deleted below
                model = FellegiSunterModel(
                    comparisons, max_iterations=cfg.em_max_iterations, household=cfg.household_model
                )
                model.fit(
                    sessions,
                    random_counts,
                    PatternCounts.from_levels(levels, n_levels),
                    n * (n - 1) // 2,
                    progress=self.progress,
                )
            else:
                model = self.model
            # one count of the values serves the frozen reference and the adjustments
            frequencies = TermFrequencies.from_table(table, comparisons)
            weight = model.match_weight(
                levels,
                self.tf_adjustments(
                    table,
                    comparisons,
                    left,
                    levels,
                    frequencies,
                    reference=self.tf_reference(model, table, frequencies),
                ),
            )
            prob = probability(weight)
        # the blocking keys and encoded columns are not needed after scoring
        del evaluator, blocker
        with self._stage("cluster"):
            labelled = (
                labelled_positions(table, self.labelled_pairs)
                if self.labelled_pairs is not None
                else None
            )
            threshold, curve = self.effective_threshold(
                model, n, left, right, prob, weight, labelled=labelled
            )
            edge = prob >= threshold
            labels, split = cluster(
                n,
                left[edge],
                right[edge],
                weight[edge],
                max_cluster_size=cfg.clustering.max_cluster_size,
            )
            labels, exclusive_joins = self.join_exclusive(
                labels, left, right, prob, strong_disagreement(levels, comparisons)
            )
        n_pairs, n_edges = left.size, int(edge.sum())
        # the pairs frame shares the weights and copies the levels; the pair arrays are not
        # needed any more, so golden records are built without them
        frame = self._pairs_frame(table, comparisons, left, right, levels, weight, prob)
        del left, right, levels, weight, prob, edge
        pairs: pd.DataFrame | SpilledPairs = frame
        if n_pairs > SPILL_PAIRS:
            with self._stage("spill_pairs"):
                pairs = SpilledPairs(frame)
        del frame
        spilled_columns = None
        if n > SPILL_RECORDS:
            with self._stage("spill_columns"):
                spilled_columns = SpilledColumns(table, spillable_columns(table))
                table = prepared.table = table.drop(columns=spilled_columns.columns)
        with self._stage("merge"):
            workers = worker_count(self.config) if n <= PARALLEL_MERGE_RECORDS else 1
            merged = build_golden(table, prepared.extras, labels, workers=workers)
        quality = pd.concat([prepared.quality, generic_quality], ignore_index=True)
        quality = quality.sort_values(list(QUALITY_COLUMNS), kind="stable").reset_index(drop=True)
        report = self._report(
            prepared,
            rule_stats,
            generic,
            n_pairs,
            n_edges,
            labels,
            split,
            exclusive_joins,
            model,
            quality,
            threshold,
            curve,
        )
        return ResolutionResult(
            crosswalk=merged.crosswalk,
            golden=merged.golden,
            lineage=merged.lineage,
            pairs=pairs,
            quality=quality,
            model=model,
            report=report,
            prepared=prepared,
            comparisons=comparisons,
            _resolver=self,
            spilled_columns=spilled_columns,
        )

    # -- helpers -----------------------------------------------------------------------

    @staticmethod
    def tf_reference(
        model: FellegiSunterModel,
        table: pd.DataFrame,
        frequencies: TermFrequencies | None = None,
    ) -> dict[str, tuple[float, float]]:
        """The model's frozen term-frequency reference; frozen from ``table`` if it has none
        (``frequencies``: the value counts of ``table`` for the model's comparisons, if known)."""
        if model.tf_reference_:
            return model.tf_reference_
        return model.freeze_term_frequencies(
            frequencies or TermFrequencies.from_table(table, model.comparisons)
        )

    def join_exclusive(
        self,
        labels: np.ndarray,
        left: np.ndarray,
        right: np.ndarray,
        prob: np.ndarray,
        conflict: np.ndarray,
    ) -> tuple[np.ndarray, int]:
        """Clusters joined by an exclusive, uncontradicted candidate pair (docs/stages.md).

        ``left, right, prob, conflict`` cover every candidate pair; returns the labels and
        the number of joins (none when ``clustering.exclusive_link_threshold`` is null).
        """
        settings = self.config.clustering
        if settings.exclusive_link_threshold is None:
            return labels, 0
        return join_exclusive(
            labels,
            left,
            right,
            prob,
            conflict,
            low=settings.exclusive_link_threshold,
            max_cluster_size=settings.max_cluster_size,
        )

    def effective_threshold(
        self,
        model: FellegiSunterModel,
        n: int,
        left: np.ndarray,
        right: np.ndarray,
        prob: np.ndarray,
        weight: np.ndarray,
        *,
        labelled: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> tuple[float, list[ThresholdPoint]]:
        """The configured threshold; else the model's; else the best expected F1 (then saved).

        With ``labelled`` pairs (positions and answers) and no configured threshold, the
        match weights are recalibrated on them (a logistic fit) and the threshold with the best
        expected F1 under the recalibrated probabilities is used and saved in the model;
        :attr:`calibration` records the labels' precision, recall and F1 before and after.
        """
        if self.config.threshold is not None:
            return self.config.threshold, []
        curve: list[ThresholdPoint] = []
        size = self.config.clustering.max_cluster_size
        if model.threshold_ is not None:
            threshold = model.threshold_
        else:
            threshold, curve = choose_threshold(n, left, right, prob, weight, max_cluster_size=size)
        if labelled is not None and labelled[0].size:
            threshold = self._calibrate(n, left, right, prob, weight, labelled, threshold)
        model.threshold_ = threshold
        return threshold, curve

    def _calibrate(
        self,
        n: int,
        left: np.ndarray,
        right: np.ndarray,
        prob: np.ndarray,
        weight: np.ndarray,
        labelled: tuple[np.ndarray, np.ndarray, np.ndarray],
        threshold: float,
    ) -> float:
        """The threshold after recalibrating on labelled pairs; :attr:`calibration` for the report."""
        size = self.config.clustering.max_cluster_size
        a, b, _ = labelled
        # each labelled pair's weight, when it is a candidate pair (pairs are sorted by left, right)
        key = left.astype(np.int64) * n + right
        wanted = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)
        at = np.searchsorted(key, wanted)
        hit = at < key.size
        hit[hit] = key[at[hit]] == wanted[hit]
        labelled_weight = np.full(wanted.size, np.nan)
        labelled_weight[hit] = weight[at[hit]]
        calibrated, (scale, shift) = calibrate_threshold(
            n, left, right, prob, weight, labelled, labelled_weight, max_cluster_size=size
        )
        chosen = threshold if math.isnan(calibrated) else calibrated
        before, after = (
            asdict(
                labelled_quality(n, left, right, prob, weight, labelled, t, max_cluster_size=size)
            )
            for t in (threshold, chosen)
        )
        self.calibration = {
            "labelled_pairs": int(a.size),
            "labelled_matches": int(labelled[2].sum()),
            "labelled_candidates": int(hit.sum()),
            "weight_scale": round(scale, 6),
            "weight_shift_bits": round(shift, 6),
            "without_labels": before,
            "with_labels": after,
        }
        log.debug(
            "threshold %.3f -> %.3f from %d labelled pairs (F1 on them %.3f -> %.3f)",
            threshold,
            chosen,
            a.size,
            before["f1"],
            after["f1"],
        )
        return chosen

    @staticmethod
    def _generic_quality(table: pd.DataFrame, generic_codes: dict[str, np.ndarray]) -> pd.DataFrame:
        parts = []
        for key, codes in generic_codes.items():
            if not codes.size:
                continue
            enc = EncodedColumn.from_values(table[key].to_numpy())
            rows = np.flatnonzero(np.isin(enc.codes, codes))
            parts.append(
                pd.DataFrame(
                    {
                        "source": table["source"].to_numpy()[rows],
                        "record_id": table["record_id"].to_numpy()[rows],
                        "field": key_field(key),
                        "reason": "generic_value",
                    }
                )
            )
        return (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame(columns=list(QUALITY_COLUMNS))
        )

    @staticmethod
    def _pairs_frame(
        table: pd.DataFrame,
        comparisons: list[Comparison],
        left: np.ndarray,
        right: np.ndarray,
        levels: np.ndarray,
        weight: np.ndarray,
        prob: np.ndarray,
    ) -> pd.DataFrame:
        # categorical sides (categories sorted, so they sort as the strings do): a few bytes
        # per pair instead of a pointer per pair and side
        data: dict[str, Any] = {}
        for name in ("source", "record_id"):
            codes, uniques = pd.factorize(table[name].to_numpy(), sort=True)
            codes = codes.astype(code_dtype(len(uniques)), copy=False)
            for side, rows in (("left", left), ("right", right)):
                data[f"{side}_{name}"] = pd.Categorical.from_codes(
                    codes[rows], categories=pd.Index(uniques, dtype=object), validate=False
                )
        data = {
            k: data[k] for k in ("left_source", "left_record_id", "right_source", "right_record_id")
        }
        data["match_weight"] = weight
        data["match_probability"] = prob
        for c, comp in enumerate(comparisons):
            data[f"level_{comp.name}"] = np.ascontiguousarray(levels[:, c])
        return pd.DataFrame(data, copy=False)

    def _report(
        self,
        prepared: Prepared,
        rule_stats: list[Any],
        generic: list[Any],
        n_pairs: int,
        n_edges: int,
        labels: np.ndarray,
        split: Any,
        exclusive_joins: int,
        model: FellegiSunterModel,
        quality: pd.DataFrame,
        threshold: float,
        curve: list[ThresholdPoint],
    ) -> dict[str, Any]:
        sizes = np.bincount(labels) if labels.size else np.zeros(0, dtype=np.int64)
        sizes = sizes[sizes > 0]
        table = prepared.table
        return {
            "custmdm_version": __version__,
            "counts": {
                "input_rows": prepared.input_rows,
                "records": len(table),
                "records_per_source": {
                    str(k): int(v) for k, v in table["source"].value_counts().sort_index().items()
                },
                "candidate_pairs": int(n_pairs),
                "pairs_per_rule": {s.rule: s.pairs for s in rule_stats},
                "linked_pairs": n_edges,
                "customers": int(sizes.size),
                "largest_cluster": int(sizes.max()) if sizes.size else 0,
                "cluster_sizes": {
                    str(k): int(v)
                    for k, v in zip(*np.unique(sizes, return_counts=True), strict=True)
                },
                "quality_flags": {
                    f"{key[0]}:{key[1]}": int(c)  # type: ignore[index]
                    for key, c in quality.groupby(["field", "reason"]).size().items()
                },
            },
            "generic_values": [
                {"key": g.key, "value": g.masked_value, "records": g.records} for g in generic
            ],
            "clusters_split": [{"size": a, "pieces": b} for a, b in split.split],
            "exclusive_joins": exclusive_joins,
            "threshold": threshold,
            **({"threshold_calibration": self.calibration} if self.calibration else {}),
            "threshold_curve": [
                {
                    "threshold": pt.threshold,
                    "expected_precision": round(pt.expected_precision, 6),
                    "expected_recall": round(pt.expected_recall, 6),
                    "expected_f1": round(pt.expected_f1, 6),
                }
                for pt in curve
            ],
            "timings": dict(self.timings),
            "model": model.to_dict(),
        }

    def explain(
        self, result: ResolutionResult, left: tuple[str, str], right: tuple[str, str]
    ) -> Explanation:
        table = result.prepared.table
        position = {
            (s, r): k
            for k, (s, r) in enumerate(zip(table["source"], table["record_id"], strict=True))
        }
        if (left[0], left[1]) not in position or (right[0], right[1]) not in position:
            from custmdm.exceptions import CustmdmError

            msg = f"record {left[0]}:{left[1]} or {right[0]}:{right[1]} is not in this result"
            raise CustmdmError(msg)
        i, j = position[(left[0], left[1])], position[(right[0], right[1])]
        a, b = np.array([min(i, j)]), np.array([max(i, j)])
        evaluator = LevelEvaluator(table, result.comparisons)
        levels = evaluator.levels(a, b)
        weights = result.model.level_weights()
        tf = [
            float(
                self.tf_adjustments(
                    table, [comp], a, levels[:, [c]], reference=result.model.tf_reference_
                )[0]
            )
            for c, comp in enumerate(result.comparisons)
        ]
        terms: list[dict[str, Any]] = []
        for c, comp in enumerate(result.comparisons):
            lv = int(levels[0, c])
            labels = comp.level_labels()
            terms.append(
                {
                    "comparison": comp.name,
                    "level": "null" if lv < 0 else labels[lv],
                    "weight": 0.0 if lv < 0 else float(weights[c][lv]),
                    "tf_adjustment": tf[c],
                }
            )
        joint_tf = float(
            self.tf_adjustments(
                table, result.comparisons, a, levels, reference=result.model.tf_reference_
            )[0]
        ) - sum(tf)
        if abs(joint_tf) > 1e-12:
            terms.append(
                {
                    "comparison": "full name",
                    "level": "how common the whole name is",
                    "weight": 0.0,
                    "tf_adjustment": joint_tf,
                }
            )
        tf_total = np.array([sum(tf) + joint_tf])
        dependency = float(result.model.dependency_term(levels)[0])
        if dependency != 0.0:
            terms.append(
                {
                    "comparison": "name dependency",
                    "level": "identifier built from the name",
                    "weight": dependency,
                    "tf_adjustment": 0.0,
                }
            )
        household = float(result.model.household_term(levels, tf_total)[0])
        if result.model.lambda_h_ > 0:
            terms.append(
                {
                    "comparison": "household",
                    "level": "explained by a household too",
                    "weight": household,
                    "tf_adjustment": 0.0,
                }
            )
        total = result.model.prior_weight + sum(
            float(t["weight"]) + float(t["tf_adjustment"]) for t in terms
        )
        return Explanation(
            (left[0], left[1]),
            (right[0], right[1]),
            result.model.prior_weight,
            terms,
            total,
            float(1 / (1 + math.pow(2, -total))),
        )


def resolve(
    config: ResolverConfig | str | Path,
    tables: dict[str, TableLike] | None = None,
    *,
    model: FellegiSunterModel | str | Path | None = None,
) -> ResolutionResult:
    """Resolve the sources of ``config`` into golden customer records.

    ``tables`` may supply DataFrames for sources by name instead of files.
    """
    return Resolver(config, model=model).run(tables)
