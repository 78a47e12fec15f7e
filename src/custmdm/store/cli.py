"""``custmdm ingest`` / ``lookup`` / ``export``: the store from the command line.

Registered into the main ``custmdm`` parser by :func:`register`.
"""

from __future__ import annotations

import argparse
import json
import sys

from custmdm.exceptions import StoreError

DEFAULT_STORE = "custmdm.sqlite"


def _store(url: str):  # type: ignore[no-untyped-def]
    from custmdm.store import Store

    return Store(url)


def cmd_ingest(args: argparse.Namespace) -> int:
    with _store(args.store) as store:
        report = store.ingest(args.config, model=args.model)
    if not args.quiet:
        if report.changed:
            print(
                f"batch {report.batch}: {report.records_new:,} new, {report.records_changed:,} "
                f"changed, {report.records_unchanged:,} unchanged records; "
                f"{report.customers_created:,} customers created, {report.customers_updated:,} "
                f"updated, {report.customers_merged:,} merged, {report.customers_split:,} split off "
                f"({report.seconds:.1f} s)"
            )
        else:
            print(f"nothing changed: {report.records_unchanged:,} records already in the store")
    return 0


def cmd_lookup(args: argparse.Namespace) -> int:
    if not any((args.phone, args.email, args.name, args.birth_date)):
        msg = "lookup needs at least one of --phone, --email, --name, --birth-date"
        raise StoreError(msg)
    with _store(args.store) as store:
        hits = store.lookup(
            phone=args.phone,
            email=args.email,
            name=args.name,
            birth_date=args.birth_date,
            region=args.region,
            limit=args.limit,
        )
    json.dump(hits, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with _store(args.store) as store:
        out = store.export(args.out)
    if not args.quiet:
        print(f"wrote crosswalk.csv golden.csv lineage.csv to {out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the store's subcommands to the ``custmdm`` parser."""
    help_store = f"store URL or SQLite file (default: {DEFAULT_STORE})"
    p = subparsers.add_parser(
        "ingest", help="add or update the records of a config's sources in a store"
    )
    p.add_argument("config", help="YAML or JSON config file")
    p.add_argument("--store", default=DEFAULT_STORE, help=help_store)
    p.add_argument("--model", help="model.json of a batch resolve (default: the store's model)")
    p.set_defaults(func=cmd_ingest)

    p = subparsers.add_parser("lookup", help="find customers by phone, email, name, birth date")
    p.add_argument("--store", default=DEFAULT_STORE, help=help_store)
    p.add_argument("--phone")
    p.add_argument("--email")
    p.add_argument("--name")
    p.add_argument("--birth-date", dest="birth_date")
    p.add_argument("--region", default="RU", help="phone region of the query (default: RU)")
    p.add_argument("--limit", type=int, default=10, help="most candidates to print (default: 10)")
    p.set_defaults(func=cmd_lookup)

    p = subparsers.add_parser(
        "export", help="write crosswalk.csv, golden.csv, lineage.csv from a store"
    )
    p.add_argument("--store", default=DEFAULT_STORE, help=help_store)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_export)
