"""`nerveflag evaluate patients --gold G --pred P`: sensitivity, specificity, PPV, AUROC, delay error."""
from __future__ import annotations

import json

import pandas as pd

from pipelines.evaluate.patients import format_metrics, patient_metrics
from pipelines.cli.tables import read_table


def add_parser(sub) -> None:
    p = sub.add_parser("patients", help="patient-level metrics", description=__doc__)
    p.add_argument("--gold", required=True, help="gold patients (.csv/.parquet): patient_id, needs_referral[, delay_days]")
    p.add_argument("--pred", required=True, help="predicted patients table from `nerveflag score` or `run`")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    metrics = patient_metrics(read_table(args.gold), read_table(args.pred))
    print(json.dumps(metrics, indent=2) if args.json else format_metrics(metrics))
    return 0
