"""``custmdm report DIR``: (re)build ``report.html`` from an existing output folder."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["cmd_report", "register"]


def cmd_report(args: argparse.Namespace) -> int:
    from custmdm.report.html import write_report

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
    p.set_defaults(func=cmd_report)
