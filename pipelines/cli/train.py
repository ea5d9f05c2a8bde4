"""`nerveflag train --notes NOTES --labels PATIENTS.csv [--mentions M] -o MODEL.skops`: fit the risk model on labelled patients.

Labels: a table with patient_id and needs_referral (0/1). Labels for patients not in the
notes are ignored and counted; patients without a label (or a blank one) are left out
and counted. The model file holds the decision threshold (out-of-fold sensitivity >=
0.95) and the validation and training metrics. Exit code 3 when notes were quarantined.
"""
from __future__ import annotations

import sys

from pipelines.classifier import ESTIMATORS
from pipelines.cli import EXIT_OK, EXIT_QUARANTINED
from pipelines.cli.options import add_note_input_options, default_processes, read_options
from pipelines.cli.tables import read_table


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train the risk classifier", description=__doc__)
    p.add_argument("--notes", required=True, nargs="+", help="notes file(s)")
    p.add_argument("--labels", required=True, help="patients table with patient_id, needs_referral (0/1)")
    p.add_argument("--mentions", help="mentions table (default: extract now)")
    p.add_argument("-o", "--output", required=True, help="model file (.skops)")
    p.add_argument("--estimator", choices=ESTIMATORS, default="boosting", help="risk model family (default: boosting)")
    p.add_argument("--processes", type=int, default=default_processes(), help="worker processes for extraction")
    add_note_input_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.io import read_notes
    from pipelines.training import train_model

    if not args.output.endswith(".skops"):
        raise ValueError("model output must end in .skops")
    labels = read_table(args.labels)
    result = read_notes(args.notes, **read_options(args))
    if args.mentions:
        mentions = read_table(args.mentions)
    else:
        from nlp import extract_mentions

        mentions = extract_mentions(result.notes, processes=args.processes)
    for line in train_model(result.notes, mentions, labels, args.output, args.estimator):
        print(line, file=sys.stderr)
    if len(result.quarantine):
        print(f"{len(result.quarantine)} notes quarantined", file=sys.stderr)
    return EXIT_QUARANTINED if len(result.quarantine) else EXIT_OK
