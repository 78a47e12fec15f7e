"""Run Splink 5 (DuckDB backend) on a benchmark dataset as a competent user would.

Writes the same outputs as ``custmdm resolve`` so the harness scores both the same way:
``crosswalk.csv`` (``source,record_id,customer_id``) and ``report.json`` (``counts``,
``timings``, ``memory``).

Settings
--------
* ``febrl3`` / ``febrl4``: the settings of Splink's own FEBRL example notebooks
  (docs/demos/examples/duckdb/febrl3 and febrl4): the same blocking rules, comparisons,
  deterministic rules for the prior, u by random sampling, m by EM blocked on
  ``date_of_birth`` then ``postcode``.
* ``departmental`` (the multi-department generator data): the user first standardises the
  six departmental tables into one frame of common columns in pandas (see
  :func:`standardise_departmental`), then uses Splink's person comparisons
  (NameComparison, DateOfBirthComparison, EmailComparison, ExactMatch on phone and
  postcode), blocking on phone, email, surname+dob and first_name+dob.

In every case: u by random sampling, m by EM, ``predict(threshold_match_probability=0.5)``
and ``cluster_pairwise_predictions_at_threshold(..., 0.5)``.

``timings.total`` covers reading the input files to having the clusters in pandas.
Candidate pairs are counted *after* the timed job (Splink's exact
``count_comparisons_from_blocking_rules``); ``memory.peak_rss_mb_job`` is the peak RSS
measured before that count, so the count inflates neither time nor memory.

Usage::

    python benchmarks/splink_runner.py DATA/config.yaml --settings febrl3 --out OUT
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from _common import Stopwatch, read_source_csv, read_yaml, write_report

SETTINGS_KINDS = ("febrl3", "febrl4", "departmental")
THRESHOLD = 0.5
SEED = 42


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


# --- FEBRL: Splink's documented example settings ----------------------------------------


def _febrl_frame(config_path: Path, source: dict[str, Any]) -> pd.DataFrame:
    frame = read_source_csv(config_path, source)
    # Splink's notebooks trim date_of_birth, soc_sec_id and postcode; ours are already
    # stripped text, and the rest of the columns are used as they are.
    return frame


def _febrl_settings(kind: str) -> tuple[Any, list[Any], float, list[Any], dict[str, Any]]:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    if kind == "febrl3":
        blocking_rules = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name "
            "and l.date_of_birth = r.date_of_birth",
        ]
        recall = 0.9
        em_kwargs: dict[str, Any] = {}
        link_type = "dedupe_only"
    else:
        blocking_rules = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ]
        deterministic = [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
        ]
        recall = 0.8
        em_kwargs = {"estimate_without_term_frequencies": True}
        link_type = "link_only"
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=comparisons,
    )
    em_rules = [block_on("date_of_birth"), block_on("postcode")]
    return settings, deterministic, recall, em_rules, em_kwargs


# --- departmental data: the user's own standardisation ----------------------------------

_PATRONYMIC = r"(?:вич|вна|ична|инична|ич|vich|vna|ovna|evna|ichna)$"


def _clean_text(values: pd.Series) -> pd.Series:
    return (
        values.astype("string")
        .str.normalize("NFKC")
        .str.lower()
        .str.replace("ё", "е", regex=False)
        .str.replace(r"[^\w\s-]", " ", regex=True)
        .str.split()
        .str.join(" ")
        .replace("", pd.NA)
    )


def _split_full_name(
    full: pd.Series, *, surname_first: bool = False
) -> tuple[pd.Series, pd.Series]:
    """ "Иванов Иван Сергеевич" → (иван, иванов); "Ivan Ivanov" → (ivan, ivanov).

    Read surname-first when the source is known to be (``surname_first``), when three or
    more words end in a patronymic, or for "Surname, Given"; otherwise the first word is the
    given name and the last the surname. "Иван Сергеевич" is a given name and patronymic.
    """
    tokens = _clean_text(full).str.split()
    n = pd.to_numeric(tokens.str.len(), errors="coerce").fillna(0)
    first_tok, second_tok = tokens.str[0].astype("string"), tokens.str[1].astype("string")
    last_tok = tokens.str[-1].astype("string")
    has_patronymic = last_tok.str.contains(_PATRONYMIC, regex=True, na=False)
    has_comma = full.astype("string").str.contains(",", regex=False, na=False)
    reversed_ = ((n >= 3) & has_patronymic) | ((n >= 2) & has_comma)
    if surname_first:
        reversed_ = n >= 2
    first = first_tok.where(~reversed_, second_tok)
    surname = last_tok.where(~reversed_, first_tok)
    no_surname = (n < 2) | ((n == 2) & has_patronymic & ~reversed_)
    return first, surname.mask(no_surname)


def _parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    values = values.astype("string").str.strip()
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if date_format:
        parsed = pd.to_datetime(values, format=date_format, errors="coerce")
    rest = parsed.isna() & values.notna()
    if rest.any():
        parsed[rest] = pd.to_datetime(values[rest], format="mixed", dayfirst=True, errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d").astype("string")


#: What the user knows of their own systems: billing exports "SURNAME GIVEN [PATRONYMIC]".
SURNAME_FIRST_SOURCES = frozenset({"billing"})


def standardise_departmental(config_path: Path, config: dict[str, Any]) -> pd.DataFrame:
    """One frame of common columns from every source, as a user would write it in pandas.

    Columns: ``unique_id, source, record_id, first_name, surname, dob`` (ISO),
    ``email`` (lowercased), ``phone`` (digits only, last 10), ``postcode``, ``city``.
    No transliteration, nickname table or address parsing: reasonable, not heroic.
    """
    frames = []
    for source in config["sources"]:
        raw = read_source_csv(config_path, source)
        fields: dict[str, str] = source["fields"]
        out = pd.DataFrame(index=raw.index)
        out["source"] = source["name"]
        out["record_id"] = raw[source["id"]].astype("string")

        def col(name: str, raw: pd.DataFrame = raw, fields: dict[str, str] = fields) -> pd.Series:
            if name in fields:
                return raw[fields[name]].astype("string")
            return pd.Series(pd.NA, index=raw.index, dtype="string")

        first, surname = _clean_text(col("first_name")), _clean_text(col("last_name"))
        if "full_name" in fields:
            full_first, full_surname = _split_full_name(
                col("full_name"), surname_first=source["name"] in SURNAME_FIRST_SOURCES
            )
            first, surname = first.fillna(full_first), surname.fillna(full_surname)
        out["first_name"], out["surname"] = first, surname
        out["dob"] = _parse_dates(col("birth_date"), source.get("date_format"))
        out["email"] = col("email").str.strip().str.lower().replace("", pd.NA)
        digits = col("phone").str.replace(r"\D", "", regex=True)
        out["phone"] = digits.where(digits.str.len() >= 7).str[-10:]
        out["postcode"] = col("postcode").str.replace(r"\s", "", regex=True).str.upper()
        out["city"] = _clean_text(col("city"))
        frames.append(out)
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.astype("string").replace("", pd.NA)
    frame.insert(0, "unique_id", frame["source"] + "|" + frame["record_id"])
    return frame


def _departmental_settings() -> tuple[Any, list[Any], float, list[Any], dict[str, Any]]:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    settings = SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("phone"),
            block_on("email"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("postcode"),
        ],
    )
    deterministic = [block_on("email"), block_on("first_name", "surname", "dob")]
    # EM blocked on dob (trains the names), then on first name + surname (trains dob,
    # email, phone, postcode) — the pattern of Splink's own examples. Blocking EM on surname
    # alone builds billions of pairs at 1M records (a common surname is thousands of
    # records): Splink then used 21 GB of RAM and filled the disk with DuckDB spill files.
    em_rules = [block_on("dob"), block_on("first_name", "surname")]
    return settings, deterministic, 0.7, em_rules, {}


# --- the job ------------------------------------------------------------------------------


def run(config_path: Path, kind: str, out_dir: Path, *, count_pairs: bool = True) -> dict[str, Any]:
    """Run the Splink job; write ``crosswalk.csv`` and ``report.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    import duckdb
    from splink import DuckDBAPI, Linker

    watch = Stopwatch()  # the timed job starts here: reading the input files

    config = read_yaml(config_path)
    sources = config["sources"]
    with watch.stage("read_and_standardise"):
        if kind == "departmental":
            frames = {"departments": standardise_departmental(config_path, config)}
            u_max_pairs = 1e7  # Splink's docs: "we generally recommend 1e7 or more"
            settings, deterministic, recall, em_rules, em_kwargs = _departmental_settings()
        else:
            frames = {s["name"]: _febrl_frame(config_path, s) for s in sources}
            u_max_pairs = 1e6  # as in the FEBRL notebooks
            settings, deterministic, recall, em_rules, em_kwargs = _febrl_settings(kind)
        con = duckdb.connect()
        db_api = DuckDBAPI(connection=con)
        inputs = [db_api.register(f, dataset_display_name=name) for name, f in frames.items()]
        linker = Linker(
            inputs if len(inputs) > 1 else inputs[0], settings, log_level=logging.WARNING
        )
    with watch.stage("train"):
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
        linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=SEED)
        for rule in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, **em_kwargs)
    with watch.stage("predict"):
        predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    with watch.stage("cluster"):
        clusters_sdf = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=THRESHOLD
        )
        clusters = clusters_sdf.as_pandas_dataframe()
        n_edges = int(
            con.execute(f"select count(*) from {predictions.physical_name}").fetchall()[0][0]
        )
    total = watch.total()
    peak_job = _peak_rss_mb()

    with watch.stage("write"):
        if kind == "departmental":
            ids = frames["departments"][["unique_id", "source", "record_id"]]
            crosswalk = ids.merge(clusters[["unique_id", "cluster_id"]], on="unique_id", how="left")
        elif kind == "febrl4":
            crosswalk = clusters.rename(columns={"source_dataset": "source", "rec_id": "record_id"})
        else:
            crosswalk = clusters.rename(columns={"rec_id": "record_id"}).assign(
                source=sources[0]["name"]
            )
        crosswalk = crosswalk.rename(columns={"cluster_id": "customer_id"})
        crosswalk[["source", "record_id", "customer_id"]].to_csv(
            out_dir / "crosswalk.csv", index=False
        )
    timings = {**watch.timings, "total": total}

    counts: dict[str, Any] = {
        "records": int(sum(len(f) for f in frames.values())),
        "match_edges": n_edges,
        "clusters": int(clusters["cluster_id"].nunique()),
    }
    not_timed: dict[str, float] = {}
    if count_pairs:
        count_start = time.perf_counter()
        from splink.blocking_analysis import count_comparisons_from_blocking_rules

        link_type = "link_only" if kind == "febrl4" else "dedupe_only"
        unique_id = "unique_id" if kind == "departmental" else "rec_id"
        records = count_comparisons_from_blocking_rules(
            inputs if len(inputs) > 1 else inputs[0],
            blocking_rules=settings.blocking_rules_to_generate_predictions,
            link_type=link_type,
            unique_id_column_name=unique_id,
            record_sample_proportion=1.0,
        )
        counts["candidate_pairs"] = int(records[-1]["cumulative_comparison_count"])
        not_timed["count_candidate_pairs"] = round(time.perf_counter() - count_start, 4)
    report = {
        "tool": "splink",
        "version": _splink_version(),
        "settings": kind,
        "threshold": THRESHOLD,
        "counts": counts,
        "timings": timings,
        # Work done only for the benchmark, after the job: the harness subtracts it from
        # the wall time it measures around the process.
        "not_timed": not_timed,
        "memory": {"peak_rss_mb_job": peak_job, "peak_rss_mb_process": _peak_rss_mb()},
    }
    write_report(out_dir, report)
    return report


def _splink_version() -> str:
    import splink

    return str(splink.__version__)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", type=Path, help="config.yaml of the dataset")
    parser.add_argument("--settings", choices=SETTINGS_KINDS, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--no-count-pairs", action="store_true", help="skip the exact candidate-pair count"
    )
    args = parser.parse_args(argv)
    logging.getLogger("splink").setLevel(logging.WARNING)
    report = run(args.config, args.settings, args.out, count_pairs=not args.no_count_pairs)
    print(report["counts"], report["timings"], report["memory"], file=sys.stderr)


if __name__ == "__main__":
    main()
