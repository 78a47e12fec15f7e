"""The ``custmdm`` command.

User mistakes (a missing file, a bad config, an unknown field) end with one line
on stderr naming what is wrong and where, and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pandas as pd

from custmdm._version import __version__
from custmdm.exceptions import CustmdmError

log = logging.getLogger("custmdm")

EXIT_USER_ERROR = 2
#: Records above which ``resolve`` writes no report.html unless asked (``--report``): the
#: report's tables take about 1.3 GiB beside a 1M-record result and grow with the pairs.
REPORT_MAX_RECORDS = 2_000_000


def report_too_large(records: int, flag: str) -> str | None:
    """Why report.html is not built for ``records`` records (``None`` at or below the limit);
    ``flag`` is the option that builds it anyway."""
    if records <= REPORT_MAX_RECORDS:
        return None
    return (
        f"custmdm: report.html not written: {records:,} records is above "
        f"{REPORT_MAX_RECORDS:,}, where the report reads whole tables and its memory grows "
        f"with the candidate pairs; pass {flag} to build it anyway"
    )


#: Modules with a ``register(subparsers)`` function adding their own subcommands.
SUBCOMMAND_MODULES = ("custmdm.store.cli", "custmdm.report.cli")


class _Progress:
    """Progress lines on stderr when it is a terminal; silent otherwise.

    Called as ``progress(stage, done, total)``; each stage counts its own unit.
    """

    #: What each stage counts; totals of stages in ``_ESTIMATED`` are estimates.
    _UNITS: ClassVar[dict[str, str]] = {
        "normalise": "sources",
        "compare": "pairs",
        "em": "blocking rules",
    }
    _ESTIMATED: ClassVar[frozenset[str]] = frozenset({"compare"})

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._last = -1
        self._stage = ""
        self._open = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if stage != self._stage:
            if self._open:
                sys.stderr.write("\n")
            self._stage, self._last, self._open = stage, -1, False
        pct = min(100, int(100 * done / total))
        if pct != self._last:
            self._last = pct
            end = "\n" if pct >= 100 else ""
            self._open = pct < 100
            approx = "~" if stage in self._ESTIMATED else ""
            unit = self._UNITS.get(stage, "")
            sys.stderr.write(
                f"\r{stage}: {done:,} of {approx}{total:,} {unit} ({pct}%)".replace("  (", " (")
                + end
            )
            sys.stderr.flush()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each message."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # type: ignore[no-untyped-def]
        pass


def _setup_logging(quiet: bool, verbose: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("custmdm")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _summary(out: Path, report: dict) -> str:
    c = report["counts"]
    lines = [
        f"{c['records']:,} records from {len(c['records_per_source'])} sources -> "
        f"{c['customers']:,} customers ({c['candidate_pairs']:,} candidate pairs, "
        f"{c['linked_pairs']:,} linked)",
        f"outputs in {out}: crosswalk.csv golden.csv lineage.csv pairs.parquet quality.csv "
        "model.json report.json report.html",
    ]
    if cal := report.get("threshold_calibration"):
        before, after = cal["without_labels"], cal["with_labels"]
        lines.append(
            f"threshold {before['threshold']:.2f} -> {after['threshold']:.2f} from "
            f"{cal['labelled_pairs']} labelled pairs (F1 on them {before['f1']:.3f} -> "
            f"{after['f1']:.3f})"
        )
    for w in report["model"]["diagnostics"]["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def cmd_resolve(args: argparse.Namespace) -> int:
    from custmdm.pipeline import Resolver

    resolver = Resolver(
        args.config,
        model=args.model,
        progress=_Progress(not args.quiet),
        engine=args.engine,
        labelled_pairs=args.labels,
    )
    result = resolver.run()
    too_large = report_too_large(int(result.report["counts"]["records"]), "--report")
    html_report = not args.no_report and (args.report or too_large is None)
    if too_large is not None and not args.no_report and not html_report:
        print(too_large, file=sys.stderr)
    out = result.write(args.out, html_report=html_report)
    if not args.quiet:
        print(_summary(out, result.report))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from custmdm.datasets.synthetic import demo_dir
    from custmdm.evaluation import evaluate_crosswalk
    from custmdm.pipeline import Resolver

    src = demo_dir()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="custmdm-demo-"))
    result = Resolver(src / "config.yaml", progress=_Progress(not args.quiet)).run()
    result.write(out)
    print(f"custmdm demo: the departmental sample tables bundled in {src}")
    for source, n in result.report["counts"]["records_per_source"].items():
        print(f"  {source:<16} {n:>5} records")
    print()
    print(_summary(out, result.report))
    truth = pd.read_csv(src / "truth.csv", dtype=str)
    metrics = evaluate_crosswalk(result.crosswalk, truth)
    pw, bc = metrics["pairwise"], metrics["bcubed"]
    print(
        f"\nagainst the known truth: pairwise precision {pw.precision:.4f} recall {pw.recall:.4f} "
        f"F1 {pw.f1:.4f}; B-cubed F1 {bc.f1:.4f}"
    )
    biggest = result.golden.sort_values(["n_records", "customer_id"], ascending=[False, True]).head(
        5
    )
    cols = [
        c
        for c in (
            "customer_id",
            "n_records",
            "sources",
            "full_name",
            "birth_date",
            "phones",
            "emails",
        )
        if c in biggest
    ]
    with pd.option_context(
        "display.width", shutil.get_terminal_size((160, 20)).columns, "display.max_colwidth", 40
    ):
        print("\ngolden records with the most source records:")
        print(biggest[cols].to_string(index=False))
        cid = biggest["customer_id"].iloc[0]
        print(f"\nlineage of {cid}:")
        print(result.lineage[result.lineage["customer_id"] == cid].to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custmdm", description="Customer identity resolution and golden records."
    )
    parser.add_argument("--version", action="version", version=f"custmdm {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="print debug messages")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("resolve", help="resolve the sources of a config into golden records")
    p.add_argument("config", help="YAML or JSON config file")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--model", help="model.json to reuse instead of training")
    p.add_argument(
        "--labels",
        help="CSV of labelled pairs (left_source, left_record_id, right_source, "
        "right_record_id, match) that calibrate the threshold",
    )
    report = p.add_mutually_exclusive_group()
    report.add_argument(
        "--no-report", action="store_true", help="skip report.html (the other outputs are written)"
    )
    report.add_argument(
        "--report",
        action="store_true",
        help=f"write report.html even above {REPORT_MAX_RECORDS:,} records "
        "(by default larger runs skip it)",
    )
    p.add_argument(
        "--engine",
        choices=["local", "spark"],
        default="local",
        help="where to run (default: local)",
    )
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser("demo", help="resolve the bundled departmental sample tables")
    p.add_argument("--out", help="output folder (default: a new temporary folder)")
    p.set_defaults(func=cmd_demo)

    # subcommands of optional parts register themselves (store: ingest/lookup/export; report)
    for module_name in SUBCOMMAND_MODULES:
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.quiet, args.verbose)
    try:
        return int(args.func(args))
    except CustmdmError as err:
        print(f"custmdm: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ImportError as err:
        if "custmdm[" in str(err):
            print(f"custmdm: error: {err}", file=sys.stderr)
            return EXIT_USER_ERROR
        raise
    except KeyboardInterrupt:
        print("custmdm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
