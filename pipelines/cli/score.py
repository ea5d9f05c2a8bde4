"""`nerveflag score NOTES [--mentions M] [--model MODEL] -o PATIENTS`: who needs referral, since when, why.

Without --mentions the extractor runs on the notes. Without --model the shipped model
(pipelines/models/default.skops) is used; if there is none, risk is empty and
needs_referral is the guide's rule alone. Exit code 3 when notes were quarantined.
"""
from __future__ import annotations

import sys

from pipelines.cli import EXIT_OK, EXIT_QUARANTINED
from pipelines.cli.options import add_note_input_options, default_processes, read_options
from pipelines.cli.tables import read_table


def add_parser(sub) -> None:
    p = sub.add_parser("score", help="score patients from notes (and mentions)", description=__doc__)
    p.add_argument("notes", nargs="+", help="notes file(s)")
    p.add_argument("--mentions", help="mentions table from `nerveflag extract` or gold (default: extract now)")
    p.add_argument("--model", help="risk model (.skops; default: the shipped model)")
    p.add_argument("-o", "--output", required=True, help="patients table: .csv or .parquet")
    p.add_argument("--processes", type=int, default=default_processes(), help="worker processes for extraction")
    add_note_input_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.io import read_notes, write_table
    from pipelines.score import score_patients

    result = read_notes(args.notes, **read_options(args))
    if args.mentions:
        mentions = read_table(args.mentions)
    else:
        from nlp import extract_mentions

        mentions = extract_mentions(result.notes, processes=args.processes)
    patients = score_patients(result.notes, mentions, model=args.model)
    write_table(patients, args.output)
    print(f"{result.n_read} notes read, {len(result.quarantine)} quarantined; {len(patients)} patients, "
          f"{int(patients['needs_referral'].sum())} need referral -> {args.output}", file=sys.stderr)
    return EXIT_QUARANTINED if len(result.quarantine) else EXIT_OK
