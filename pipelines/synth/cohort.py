"""Patient trajectories: what is true at each visit, before any text is written.

Categories: missed (red flags, never referred), referred_prompt (referred at the first
red-flag visit), referred_late (2-4 visits later), tricky_negative (pain, generalized
weakness, negated/historical/family/hypothetical mentions, normal exams), uncertain (only
uncertain findings). Deficits emerge and worsen over 2-8 visits (grades fall, numbness
spreads, girth difference grows).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CATEGORIES = {"missed": 0.30, "referred_prompt": 0.20, "referred_late": 0.15, "tricky_negative": 0.25, "uncertain": 0.10}
NOTE_TYPES = ["PT daily note", "PT re-evaluation", "primary care", "orthopaedics", "chiropractic", "ED", "telephone"]
GRADES = ["4+", "4", "4-", "3+", "3", "2"]


@dataclass
class Visit:
    date: pd.Timestamp
    note_type: str
    grade: str | None = None  # present weakness grade (None: no weakness)
    weakness_words: bool = False  # weakness written in words rather than a grade
    numbness: bool = False
    spread: bool = False
    atrophy_cm: float = 0.0
    progression: bool = False
    functional: bool = False
    referral: bool = False
    distractors: list[str] = field(default_factory=list)


@dataclass
class Patient:
    patient_id: str
    category: str
    nerve: str
    side: str
    visits: list[Visit]


def plan_patient(rng: np.random.Generator, patient_id: str, category: str, nerves: list[str]) -> Patient:
    """A patient's visits and the findings true at each."""
    nerve = str(rng.choice(nerves))
    side = str(rng.choice(["left", "right"]))
    n = int(rng.integers(2, 9))
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 540)))
    gaps = rng.integers(4, 29, size=n - 1)
    dates = [start] + [start + pd.Timedelta(days=int(d)) for d in np.cumsum(gaps)]
    types = [str(rng.choice(NOTE_TYPES)) for _ in range(n)]
    visits = [Visit(d, t) for d, t in zip(dates, types)]
    for v in visits:
        if rng.random() < 0.25:
            v.distractors.append(str(rng.choice(["negated", "hypothetical", "historical", "family", "normal_exam", "pain"])))
    if category in ("missed", "referred_prompt", "referred_late"):
        onset = int(rng.integers(0, max(1, n - 1)))
        level = int(rng.integers(0, 2))
        for i, v in enumerate(visits[onset:], start=onset):
            step = i - onset
            level = min(len(GRADES) - 1, level + int(rng.random() < 0.6)) if step else level
            if rng.random() < 0.8:
                v.grade = GRADES[level]
                v.weakness_words = rng.random() < 0.35
            v.numbness = rng.random() < (0.45 + 0.1 * step)
            v.spread = v.numbness and step > 0 and rng.random() < 0.4
            v.atrophy_cm = float(min(4.0, 0.5 * step + rng.integers(0, 2))) if step >= 2 and rng.random() < 0.5 else 0.0
            v.progression = step > 0 and rng.random() < 0.4
            v.functional = step > 0 and rng.random() < 0.35
        if category != "missed":
            delay = 0 if category == "referred_prompt" else int(rng.integers(2, 5))
            at = min(n - 1, onset + delay)
            visits[at].referral = True
            visits[-1].referral = True  # the referral stands (follow-up: EMG scheduled, seen by neurology)
            for v in visits[at + 1:-1]:
                if rng.random() < 0.5:
                    v.referral = True
    elif category == "tricky_negative":
        for v in visits:
            v.distractors.append(str(rng.choice(["generalized", "negated", "historical", "family", "hypothetical", "normal_exam", "pain", "pain_limited"])))
    else:  # uncertain
        for v in visits:
            if rng.random() < 0.7:
                v.distractors.append("uncertain")
    return Patient(patient_id, category, nerve, side, visits)


def draw_categories(rng: np.random.Generator, n: int) -> list[str]:
    """Categories for n patients in the documented proportions (shuffled, every category present when n >= 5)."""
    names = list(CATEGORIES)
    counts = np.floor(np.array(list(CATEGORIES.values())) * n).astype(int)
    for i in rng.permutation(len(names))[: n - counts.sum()]:
        counts[i] += 1
    cats = [c for c, k in zip(names, counts) for _ in range(k)]
    rng.shuffle(cats)
    return cats
