"""`nerveflag score NOTES [--mentions M] [--model MODEL] -o PATIENTS`: who needs referral, since when, why."""
from __future__ import annotations

import sys

from pipelines.cli import EXIT_OK, EXIT_QUARANTINED
from pipelines.cli.options import add_note_input_options, column_map, default_processes
from pipelines.cli.tables import read_table


def add_parser(sub) -> None:
    p = sub.add_parser("score", help="score patients from notes (and mentions)", description=__doc__)
    p.add_argument("notes", nargs="+", help="notes file(s)")
    p.add_argument("--mentions", help="mentions table from `nerveflag extract` (default: extract now)")
    p.add_argument("--model", help="risk model (.skops; default: the shipped model)")
    p.add_argument("-o", "--output", required=True, help="patients table: .csv or .parquet")
    p.add_argument("--processes", type=int, default=default_processes(), help="worker processes for extraction")
    add_note_input_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.io import read_notes, write_table
    from pipelines.score import score_patients

    result = read_notes(args.notes, fmt=args.fmt, columns=column_map(args) or None, query=args.query)
    if args.mentions:
        mentions = read_table(args.mentions)
    else:
        from nlp import extract_mentions

        mentions = extract_mentions(result.notes, processes=args.processes)
    patients = score_patients(result.notes, mentions, model=args.model)
    write_table(patients, args.output)
    print(f"{len(patients)} patients, {int(patients['needs_referral'].sum())} need referral -> {args.output}", file=sys.stderr)
    return EXIT_QUARANTINED if len(result.quarantine) else EXIT_OK
