"""`nerveflag brat export|import`: gold mentions to and from brat standoff for annotation tools.

  nerveflag brat export --notes N.csv --mentions M.csv -o DIR
  nerveflag brat import DIR -o PREFIX      (writes PREFIXnotes.csv and PREFIXmentions.csv;
                                            a directory PREFIX gets DIR/notes.csv, DIR/mentions.csv)
"""
from __future__ import annotations

import sys
from pathlib import Path

from pipelines.cli.tables import read_table


def add_parser(sub) -> None:
    p = sub.add_parser("brat", help="export/import mentions as brat standoff", description=__doc__)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    exp = actions.add_parser("export", help="notes + mentions -> brat directory")
    exp.add_argument("--notes", required=True, help="notes table (NOTES schema, .csv or .parquet)")
    exp.add_argument("--mentions", required=True, help="mentions table (MENTIONS schema)")
    exp.add_argument("-o", "--output", required=True, help="brat directory to write")
    imp = actions.add_parser("import", help="brat directory -> notes.csv + mentions.csv")
    imp.add_argument("directory", help="brat directory (.txt/.ann pairs, optional notes.csv metadata)")
    imp.add_argument("-o", "--output", required=True, help="output prefix or directory")
    p.set_defaults(func=run)


def run(args) -> int:
    """Dispatch to export or import."""
    return _export(args) if args.action == "export" else _import(args)


def _export(args) -> int:
    from pipelines.gold.brat import write_brat

    counts = write_brat(read_table(args.notes), read_table(args.mentions), args.output)
    print(f"{counts['notes']} notes, {counts['mentions']} mentions -> {args.output}", file=sys.stderr)
    return 0


def _import(args) -> int:
    from pipelines.gold.brat import read_brat

    notes, mentions = read_brat(args.directory)
    prefix = args.output
    if Path(prefix).is_dir() or prefix.endswith(("/", "\\")):
        Path(prefix).mkdir(parents=True, exist_ok=True)
        prefix = str(Path(prefix)) + "/"
    else:
        Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    for name, frame in (("notes", notes), ("mentions", mentions)):
        out = frame.assign(note_date=frame["note_date"].dt.strftime("%Y-%m-%d"))
        out.to_csv(f"{prefix}{name}.csv", index=False)
    print(f"{len(notes)} notes, {len(mentions)} mentions -> {prefix}notes.csv, {prefix}mentions.csv", file=sys.stderr)
    return 0
