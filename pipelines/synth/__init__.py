"""Synthetic cohorts: patients whose notes read like several clinicians wrote them, with gold.

`generate_cohort(n_patients, seed)` -> (notes, mentions, patients):
- notes: schemas.NOTES;
- mentions: schemas.MENTIONS, every finding the generator wrote, offsets recorded while
  writing (`text == note_text[start:end]`), section and cues empty;
- patients: PATIENT_COLUMNS; needs_referral, dates, delay and n_notes come from the
  guide's rule (`pipelines.rule.referral_rule`) and `pipelines.delay` applied to the gold
  mentions; category and nerve are the generator's intent.
`write_cohort` writes them as notes.csv, mentions.csv, patients.csv.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.delay import diagnostic_delay
from pipelines.rule import referral_rule
from pipelines.schemas import MENTIONS, NOTES, conform, empty
from pipelines.synth.cohort import draw_categories, plan_patient
from pipelines.synth.writer import VisitWriter, vocab
from pipelines.timeline import build_timeline

PATIENT_COLUMNS = ["patient_id", "needs_referral", "category", "nerve", "first_red_flag_date", "first_referral_date",
                   "delay_days", "delay_censored", "n_notes"]


def note_types() -> list[str]:
    """The note types the generator writes."""
    return list(vocab()["notes"]["note_types"])


def generate_cohort(n_patients: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Notes, gold mentions and gold patients for `n_patients` patients, deterministic for `seed`."""
    if n_patients < 1:
        raise ValueError(f"--patients must be at least 1 (got {n_patients})")
    if seed < 0:
        raise ValueError(f"--seed must be 0 or more (got {seed})")
    rng = np.random.default_rng(seed)
    nerves, layouts = vocab()["nerves"]["nerves"], vocab()["notes"]
    weights = {"before_referral": layouts["weights_before_referral"], "after_referral": layouts["weights_after_referral"],
               "referral_capable": layouts["referral_capable"]}
    notes, mentions, meta = [], [], []
    width = len(str(n_patients))
    for i, category in enumerate(draw_categories(rng, n_patients), start=1):
        patient = plan_patient(rng, f"S{seed}-{i:0{width}d}", category, nerves, weights)
        style = int(rng.integers(1 << 30))
        meta.append({"patient_id": patient.patient_id, "category": category, "nerve": patient.nerve})
        for number, visit in enumerate(patient.visits, start=1):
            note_id = f"{patient.patient_id}-{number}"
            built = VisitWriter(rng, patient, visit, number, style).write()
            notes.append({"patient_id": patient.patient_id, "note_id": note_id, "note_date": visit.date,
                          "text": built.text, "note_type": visit.note_type})
            mentions.extend({**m, "note_id": note_id, "patient_id": patient.patient_id, "note_date": visit.date,
                             "section": "", "cues": ""} for m in built.mentions)
    notes_df = conform(pd.DataFrame(notes), NOTES, "notes")
    mentions_df = conform(pd.DataFrame(mentions), MENTIONS, "mentions") if mentions else empty(MENTIONS)
    timeline = build_timeline(notes_df, mentions_df)
    rule = referral_rule(notes_df, mentions_df, timeline)
    delay = diagnostic_delay(rule, timeline)
    patients = (pd.DataFrame(meta).merge(rule[["patient_id", "rule_flag"]], on="patient_id")
                .merge(delay[["patient_id", "first_red_flag_date", "first_referral_date", "delay_days", "delay_censored", "n_notes"]],
                       on="patient_id")
                .rename(columns={"rule_flag": "needs_referral"}))
    return notes_df, mentions_df, patients[PATIENT_COLUMNS]


def write_cohort(n_patients: int, seed: int, out_dir) -> dict:
    """Write notes.csv, mentions.csv and patients.csv into `out_dir`; returns counts."""
    notes, mentions, patients = generate_cohort(n_patients, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in (("notes", notes), ("mentions", mentions), ("patients", patients)):
        df.to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%d", lineterminator="\n")
    return {"patients": len(patients), "notes": len(notes), "mentions": len(mentions),
            "needs_referral": int(patients["needs_referral"].sum())}
