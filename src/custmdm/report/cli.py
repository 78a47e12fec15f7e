"""``custmdm report DIR``: (re)build ``report.html`` from an existing output folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["cmd_report", "register"]


def _records(out_dir: str) -> int | None:
    """The record count the folder's ``report.json`` states, if it can be read."""
    try:
        report = json.loads((Path(out_dir) / "report.json").read_text(encoding="utf-8"))
        return int(report["counts"]["records"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # write_report says what is wrong with the folder


def cmd_report(args: argparse.Namespace) -> int:
    from custmdm.cli import report_too_large
    from custmdm.report.html import write_report

    records = _records(args.out_dir)
    too_large = report_too_large(records, "--force") if records is not None else None
    if too_large is not None and not args.force:
        print(too_large, file=sys.stderr)
        return 2
    path = write_report(args.out_dir)
    if not args.quiet:
        print(f"report written to {path}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand to the ``custmdm`` command."""
    p = subparsers.add_parser(
        "report",
        help="write report.html (data quality and match review) for an output folder",
        description=(
            "Build the self-contained data-quality and match-review report from the files "
            "of a 'custmdm resolve' output folder; it opens offline in any browser."
        ),
    )
    p.add_argument("out_dir", metavar="DIR", help="output folder of 'custmdm resolve'")
    p.add_argument(
        "--force",
        action="store_true",
        help="build the report even for a run above the record limit of 'resolve' "
        "(by default such folders are refused)",
    )
    p.set_defaults(func=cmd_report)
