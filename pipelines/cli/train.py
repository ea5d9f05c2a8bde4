"""`nerveflag train --notes NOTES --labels PATIENTS.csv -o MODEL.skops`: fit the risk model on a site's labelled patients."""
from __future__ import annotations

import sys

from pipelines.cli.options import default_processes
from pipelines.cli.tables import read_table


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train the risk classifier", description=__doc__)
    p.add_argument("--notes", required=True, nargs="+", help="notes file(s)")
    p.add_argument("--labels", required=True, help="patients table with patient_id, needs_referral (0/1)")
    p.add_argument("--mentions", help="mentions table (default: extract now)")
    p.add_argument("-o", "--output", required=True, help="model file (.skops)")
    p.add_argument("--processes", type=int, default=default_processes())
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.io import read_notes
    from pipelines.training import train_model

    if not args.output.endswith(".skops"):
        raise ValueError("model output must end in .skops")
    notes = read_notes(args.notes).notes
    if args.mentions:
        mentions = read_table(args.mentions)
    else:
        from nlp import extract_mentions

        mentions = extract_mentions(notes, processes=args.processes)
    report = train_model(notes, mentions, read_table(args.labels), args.output)
    for line in report:
        print(line, file=sys.stderr)
    return 0
