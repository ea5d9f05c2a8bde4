"""Synthetic cohorts: patients whose notes read like several clinicians wrote them, with gold.

`generate_cohort(n_patients, seed)` -> (notes, mentions, patients): notes in schemas.NOTES,
gold mentions in schemas.MENTIONS (exact offsets recorded while writing), and gold patients
labelled by the guide's rule (pipelines.rule) applied to the gold mentions.
"""
from __future__ import annotations

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


def generate_cohort(n_patients: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Notes, gold mentions and gold patients for `n_patients` patients, deterministic for `seed`."""
    if n_patients < 1:
        raise ValueError(f"--patients must be at least 1 (got {n_patients})")
    rng = np.random.default_rng(seed)
    nerves = list(vocab()["nerves"])
    notes, mentions, meta = [], [], []
    width = len(str(n_patients))
    for i, category in enumerate(draw_categories(rng, n_patients), start=1):
        patient = plan_patient(rng, f"S{seed}-{i:0{width}d}", category, nerves)
        meta.append({"patient_id": patient.patient_id, "category": category, "nerve": patient.nerve})
        for number, visit in enumerate(patient.visits, start=1):
            note_id = f"{patient.patient_id}-{number}"
            built = VisitWriter(rng, patient, visit, number).write()
            notes.append({"patient_id": patient.patient_id, "note_id": note_id, "note_date": visit.date,
                          "text": built.text, "note_type": visit.note_type})
            for m in built.mentions:
                mentions.append({**m, "note_id": note_id, "patient_id": patient.patient_id, "note_date": visit.date,
                                 "section": "", "cues": ""})
    notes_df = conform(pd.DataFrame(notes), NOTES, "notes")
    mentions_df = conform(pd.DataFrame(mentions), MENTIONS, "mentions") if mentions else empty(MENTIONS)
    timeline = build_timeline(notes_df, mentions_df)
    rule = referral_rule(notes_df, mentions_df, timeline)
    delay = diagnostic_delay(rule, timeline)
    patients = pd.DataFrame(meta).merge(rule[["patient_id", "rule_flag"]], on="patient_id").merge(
        delay[["patient_id", "first_red_flag_date", "first_referral_date", "delay_days", "delay_censored", "n_notes"]], on="patient_id")
    patients = patients.rename(columns={"rule_flag": "needs_referral"})[PATIENT_COLUMNS]
    return notes_df, mentions_df, patients


def write_cohort(n_patients: int, seed: int, out_dir) -> dict:
    """Write notes.csv, mentions.csv, patients.csv into `out_dir`; returns counts."""
    from pathlib import Path

    notes, mentions, patients = generate_cohort(n_patients, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in (("notes", notes), ("mentions", mentions), ("patients", patients)):
        df.to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    return {"patients": len(patients), "notes": len(notes), "mentions": len(mentions), "needs_referral": int(patients["needs_referral"].sum())}
