"""Patient trajectories: what is true at each visit, before any text is written.

Categories (the generator's intent; gold labels come from the guide's rule):
- missed: deficits reach a red flag and nobody refers (at most a conditional or declined referral);
- referred_prompt: referral at the first red-flag visit;
- referred_late: referral 1-4 visits after the first red flag;
- tricky_negative: pain, generalized weakness, pain-limited give-way, normal exams and
  negated / historical / family / hypothetical mentions only;
- uncertain: only uncertain findings (plus pain).
Deficits emerge over 0-2 single-deficit visits, reach a red flag, then worsen: MRC grades
fall, numbness spreads to the nerve's next area, the girth difference grows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CATEGORIES = {"missed": 0.30, "referred_prompt": 0.20, "referred_late": 0.15, "tricky_negative": 0.25, "uncertain": 0.10}
POSITIVE = ("missed", "referred_prompt", "referred_late")
GRADES = ["4+", "4", "4-", "3+", "3", "3-", "2"]
#: Assertion distractors any patient may have at a visit, and those making up a tricky negative.
BACKGROUND = ["negated", "historical", "family", "hypothetical", "normal_exam", "pain", "historical_referral"]
TRICKY = ["generalized", "pain", "pain_limited", "normal_exam", "negated", "historical", "family", "hypothetical", "generalized"]
FLAG_KINDS = ["weakness+numbness", "atrophy", "progression", "functional", "single"]


@dataclass
class Visit:
    """One visit's truth. `referral` is "", order, follow_up, hypothetical or negated."""

    date: pd.Timestamp
    note_type: str = ""
    weakness: bool = False
    grade: int = 0  # index into GRADES
    prev_grade: int | None = None  # grade at the previous weakness visit when it was better
    weak_mode: str = "graded"  # graded (exam grade), words (symptom), sign (named motor sign)
    numbness: bool = False
    area: int = 0  # index of the nerve's area reached so far
    spread: bool = False
    atrophy_cm: float = 0.0
    prev_cm: float = 0.0
    progression: bool = False
    functional: bool = False
    referral: str = ""
    referred: bool = False  # a referral was made at or before this visit
    distractors: list[str] = field(default_factory=list)


@dataclass
class Patient:
    patient_id: str
    category: str
    nerve: str
    side: str
    sex: str
    age: int
    visits: list[Visit]


def draw_categories(rng: np.random.Generator, n: int) -> list[str]:
    """Categories for n patients in the documented proportions (shuffled; all five present when n >= 5)."""
    names = list(CATEGORIES)
    counts = np.floor(np.array(list(CATEGORIES.values())) * n).astype(int)
    for i in rng.permutation(len(names))[: n - counts.sum()]:
        counts[i] += 1
    cats = [c for c, k in zip(names, counts) for _ in range(k)]
    rng.shuffle(cats)
    return cats


def visit_dates(rng: np.random.Generator, n: int) -> list[pd.Timestamp]:
    """n visit dates: twice-weekly therapy runs mixed with gaps of weeks to months."""
    start = pd.Timestamp("2023-01-02") + pd.Timedelta(days=int(rng.integers(0, 900)))
    gaps = [int(rng.integers(3, 8)) if rng.random() < 0.35 else int(rng.integers(10, 62)) for _ in range(n - 1)]
    return [start + pd.Timedelta(days=int(d)) for d in np.cumsum([0, *gaps])]


def plan_patient(rng: np.random.Generator, patient_id: str, category: str, nerves: dict, weights: dict) -> Patient:
    """A patient's visits and the findings true at each; `weights` are note-type weights (see notes.json)."""
    nerve = str(rng.choice(sorted(nerves)))
    n = int(rng.integers(2, 9))
    if category == "referred_late":
        n = max(n, 3)
    visits = [Visit(d) for d in visit_dates(rng, n)]
    for v in visits:
        if rng.random() < 0.3:
            v.distractors.append(str(rng.choice(BACKGROUND)))
    if category in POSITIVE:
        _deficit_course(rng, visits, category, len(nerves[nerve]["areas"]))
    elif category == "tricky_negative":
        for v in visits:
            v.distractors.extend(str(k) for k in rng.choice(TRICKY, size=int(rng.integers(1, 3)), replace=False))
    else:
        for i, v in enumerate(visits):
            if i == 0 or rng.random() < 0.75:
                v.distractors.append("uncertain")
            if rng.random() < 0.5:
                v.distractors.append("pain")
    for v in visits:
        v.distractors = list(dict.fromkeys(v.distractors))
    _note_types(rng, visits, category, weights)
    side = str(rng.choice(["left", "right"]))
    return Patient(patient_id, category, nerve, side, str(rng.choice(["M", "F"])), int(rng.integers(24, 86)), visits)


def _deficit_course(rng: np.random.Generator, visits: list[Visit], category: str, n_areas: int) -> None:
    n = len(visits)
    flag = int(rng.integers(0, n - 1 if category == "referred_late" else n))
    lead = int(rng.integers(0, min(flag, 2) + 1))  # single-deficit visits before the flag
    onset = flag - lead
    if lead == 2 and visits[onset + 1].date - visits[onset].date >= pd.Timedelta(days=14):
        onset, lead = onset + 1, 1  # a second single-deficit visit two weeks on would already be a red flag
    first, start_grade = str(rng.choice(["weakness", "numbness"])), int(rng.integers(0, 2))
    for v in visits[:onset]:
        if rng.random() < 0.3:
            v.distractors.append("uncertain")
    for v in visits[onset:flag]:
        _set_single(rng, v, first, start_grade)
    kind = str(rng.choice(FLAG_KINDS))
    if kind == "single" and not (lead == 2 or (lead == 1 and visits[flag].date - visits[onset].date >= pd.Timedelta(days=14))):
        kind = "weakness+numbness"
    fv = visits[flag]
    _set_single(rng, fv, first, start_grade)
    if kind == "weakness+numbness":
        fv.weakness = fv.numbness = True
    elif kind == "atrophy":
        fv.weakness, fv.atrophy_cm = True, float(rng.choice([1.0, 1.5, 2.0]))
    elif kind == "progression":
        fv.progression = True
    elif kind == "functional":
        fv.functional = True
    grade, area, cm = fv.grade, 0, fv.atrophy_cm
    for v in visits[flag + 1:]:
        v.weakness = fv.weakness or rng.random() < 0.6
        v.numbness = fv.numbness or rng.random() < 0.6
        if v.weakness:
            worse = rng.random() < 0.55 and grade < len(GRADES) - 1
            v.prev_grade = grade if worse else None
            grade = grade + worse
            v.grade, v.weak_mode = grade, str(rng.choice(["graded", "graded", "words", "sign"]))
        if v.numbness and area < n_areas - 1 and rng.random() < 0.45:
            area, v.spread = area + 1, True
        v.area = area
        if cm or rng.random() < 0.3:
            v.prev_cm, cm = cm, cm + float(rng.choice([0.5, 1.0, 1.5])) if cm else float(rng.choice([1.0, 1.5, 2.0]))
            v.atrophy_cm = cm
        v.progression = bool(v.prev_grade is not None or v.spread or rng.random() < 0.3)
        v.functional = rng.random() < (0.3 + 0.1 * grade)
    _referrals(rng, visits, category, flag)


def _set_single(rng: np.random.Generator, v: Visit, which: str, grade: int) -> None:
    v.weakness, v.numbness, v.grade = which == "weakness", which == "numbness", grade
    v.weak_mode = str(rng.choice(["graded", "words", "sign"]))


def _referrals(rng: np.random.Generator, visits: list[Visit], category: str, flag: int) -> None:
    n = len(visits)
    if category == "missed":
        if rng.random() < 0.35:
            visits[int(rng.integers(flag, n))].referral = str(rng.choice(["hypothetical", "hypothetical", "negated"]))
        return
    at = flag if category == "referred_prompt" else flag + int(rng.integers(1, min(4, n - 1 - flag) + 1))
    visits[at].referral = "order"
    for v in visits[at:]:
        v.referred = True
    for v in visits[at + 1:]:
        if rng.random() < 0.6:
            v.referral = "follow_up"


def _note_types(rng: np.random.Generator, visits: list[Visit], category: str, weights: dict) -> None:
    """Note type per visit: a referral is ordered in a note that can order one; specialist notes follow referrals."""
    for v in visits:
        table = weights["after_referral"] if v.referred else weights["before_referral"]
        names = [t for t in table if not (v.referral == "order" and t not in weights["referral_capable"])]
        if category in POSITIVE and not v.referred:
            names = [t for t in names if t != "neurosurgery"]
        p = np.array([table[t] for t in names], dtype=float)
        v.note_type = str(rng.choice(names, p=p / p.sum()))
