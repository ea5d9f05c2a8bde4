"""`nerveflag synth --patients N --seed S -o DIR`: a synthetic cohort with gold labels.

Writes notes.csv (NOTES schema), gold mentions.csv (MENTIONS schema, exact offsets) and
gold patients.csv (needs_referral from the guide's rule on the gold mentions). The same
seed gives the same bytes.
"""
from __future__ import annotations

import sys


def add_parser(sub) -> None:
    p = sub.add_parser("synth", help="write a synthetic cohort with gold labels", description=__doc__)
    p.add_argument("--patients", type=int, required=True, help="number of patients (>= 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (same seed, same files)")
    p.add_argument("-o", "--output", required=True, help="output directory (created if absent)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.synth import write_cohort

    counts = write_cohort(args.patients, args.seed, args.output)
    print(", ".join(f"{v} {k}" for k, v in counts.items()) + f" -> {args.output}", file=sys.stderr)
    return 0
