"""Rendering a visit as a note in one of several voices, with gold mentions.

Layouts: PT daily note (SOAP), PT re-evaluation with an MMT table, terse primary care
with a copy-forward ROS, dictated orthopaedics (run-on paragraphs), chiropractic, ED with
return precautions, telephone triage. Symptoms go to the subjective part, measured
findings to the exam, referrals to the plan, assertion distractors to ROS / family
history / past history / precautions.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipelines.synth.cohort import Patient, Visit
from pipelines.synth.text import NoteBuilder

LEG_ONLY = ("foot drop", "foot slap", "lift leg", "lift the", "leg gives", "collapses", "buckles", "knee", "stairs", "cane", "chair", "fell", "fall", "tripping", "walking", "thigh", "quad", "calf")
ARM_ONLY = ("drops things", "thenar", "hand")
ARM_FUNCTION = ["[difficulty buttoning] shirts", "[can't open jars] anymore", "[dropping cups] at home", "[trouble writing] for long"]
AGES = range(28, 84)


@lru_cache(maxsize=1)
def vocab() -> dict:
    """The synthetic-note vocabulary (vocab.json beside this module)."""
    return json.loads((Path(__file__).with_name("vocab.json")).read_text())


def _fits(phrase: str, limb: str) -> bool:
    low = phrase.lower()
    if limb == "arm":
        return not any(w in low for w in LEG_ONLY)
    return not any(w in low for w in ARM_ONLY)


class VisitWriter:
    """Writes one visit's note; `rng` drives every choice (deterministic per seed)."""

    def __init__(self, rng: np.random.Generator, patient: Patient, visit: Visit, visit_number: int):
        self.rng, self.patient, self.visit, self.number = rng, patient, visit, visit_number
        self.v = vocab()
        nerve = self.v["nerves"][patient.nerve]
        other = "right" if patient.side == "left" else "left"
        side = self.pick(self.v["sides"][patient.side])
        self.slots = {
            "side": side, "Side": patient.side.capitalize(), "limb": nerve["limb"], "muscle": self.pick(nerve["muscles"]),
            "area": self.pick(nerve["areas"]), "other": self.pick(self.v["sides"][other]), "grade": visit.grade or "4",
            "imaging": self.pick(nerve["imaging"]), "cm": f"{max(visit.atrophy_cm, 1.0):g}",
            "small": 48 - int(max(visit.atrophy_cm, 1.0)), "big": 48, "deficit": "",
        }
        self.nerve = nerve

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def phrase(self, key: str) -> str:
        options = [p for p in self.v[key] if _fits(p, self.nerve["limb"])] or self.v[key]
        return self.pick(options)

    # -- findings -------------------------------------------------------------
    def symptoms(self, b: NoteBuilder) -> None:
        v, s = self.visit, self.slots
        if v.numbness:
            b.add(self.phrase("numbness"), s, "NUMBNESS")
            b.raw(". ")
            if v.spread:
                b.add("[N:Numbness] [P:" + self.pick(self.nerve["spread"]) + "]", s)
                b.raw(". ")
        if v.grade and v.weakness_words:
            worded = [p for p in self.v["weakness"] if "{grade}" not in p and _fits(p, self.nerve["limb"])]
            b.add(self.pick(worded), s, "WEAKNESS")
            b.raw(". ")
        if v.progression:
            deficit = "[W:weakness]" if v.grade else "[N:numbness]"
            b.add(self.phrase("progression").replace("{deficit}", deficit), s, "PROGRESSION")
            b.raw(". ")
        if v.functional:
            options = self.v["functional_decline"] if self.nerve["limb"] == "leg" else ARM_FUNCTION
            b.add(self.pick(options), s, "FUNCTIONAL_DECLINE")
            b.raw(". ")

    def exam(self, b: NoteBuilder, grade_written: bool = False) -> None:
        v, s = self.visit, self.slots
        if v.grade and not v.weakness_words and not grade_written:
            graded = [p for p in self.v["weakness"] if "{grade}" in p]
            b.add(self.pick(graded), s, "WEAKNESS", grade=v.grade)
            b.raw(". ")
        if v.atrophy_cm:
            options = [p for p in self.v["atrophy"] if ("thenar" in p) == (self.nerve["limb"] == "arm") or "bulk" in p or "wasting" in p]
            b.add(self.pick(options), s, "ATROPHY")
            b.raw(". ")
        if not (v.grade or v.atrophy_cm) and self.rng.random() < 0.6:
            b.raw(self.pick(self.v["normal_exam"]) + " ")

    def plan(self, b: NoteBuilder) -> None:
        if self.visit.referral:
            b.add(self.pick(self.v["referral"]), self.slots, "REFERRAL", uncertain=0)
            b.raw(". ")
        else:
            b.raw(self.pick(self.v["plans_no_referral"]) + " ")

    def distractor(self, b: NoteBuilder, kind: str) -> None:
        s = self.slots
        attrs = {"negated": "negated_findings", "historical": "historical_findings", "hypothetical": "hypothetical_findings",
                 "family": "family_findings", "uncertain": "uncertain_findings"}
        if kind in attrs:
            b.add(self.phrase(attrs[kind]), s, **{kind: 1})
            b.raw(". ")
        elif kind in ("generalized", "pain", "pain_limited"):
            b.raw(self.pick(self.v[kind]).format(**s) + ". ")
        elif kind == "normal_exam":
            b.raw(self.pick(self.v["normal_exam"]) + " ")

    # -- layouts --------------------------------------------------------------
    def write(self) -> NoteBuilder:
        b = NoteBuilder()
        layout = {
            "PT daily note": self.pt_daily, "PT re-evaluation": self.pt_reeval, "primary care": self.primary_care,
            "orthopaedics": self.ortho, "chiropractic": self.chiro, "ED": self.ed, "telephone": self.phone,
        }[self.visit.note_type]
        layout(b)
        return b

    def _distractors(self, b, kinds=None):
        for kind in self.visit.distractors:
            if kinds is None or kind in kinds:
                self.distractor(b, kind)

    def pt_daily(self, b):
        b.raw(f"PT Daily Note - visit {self.number}\nS: ")
        b.raw(self.pick(["Pt reports ", "Patient states ", "", "Pt c/o "]))
        b.add(self.pick(self.v["pain"]), self.slots)
        b.raw(". ")
        self.symptoms(b)
        self._distractors(b, {"generalized", "pain_limited", "uncertain", "historical"})
        b.raw("\nO: ")
        self.exam(b)
        b.raw(self.pick(["Tx: therex, manual, gait training.", "Treatment: NMES quad, SLR, bridges.", "HEP reviewed."]))
        b.raw("\nA: ")
        b.raw(self.pick(["Progressing slowly.", "Tolerated tx well.", "Slow progress toward goals.", "Limited progress."]) + " ")
        b.raw("\nP: ")
        self.plan(b)
        self._distractors(b, {"hypothetical"})
        b.raw("\n")

    def pt_reeval(self, b):
        b.raw("PHYSICAL THERAPY RE-EVALUATION\n\nSubjective: ")
        b.add(self.pick(self.v["pain"]), self.slots)
        b.raw(". ")
        self.symptoms(b)
        self._distractors(b, {"uncertain", "generalized", "pain"})
        b.raw("\n\nMMT:\n")
        graded = bool(self.visit.grade and not self.visit.weakness_words)
        for i, muscle in enumerate(self.nerve["muscles"][:3]):
            b.raw(f"  {muscle:<22} ")
            cells = {"left": "L 5/5   ", "right": "R 5/5"}
            for side in ("left", "right"):
                if graded and i == 0 and side == self.patient.side:
                    b.raw(side[0].upper() + " ")
                    b.add(f"[{self.visit.grade}/5]", self.slots, "WEAKNESS", grade=self.visit.grade)
                    b.raw("   " if side == "left" else "")
                else:
                    b.raw(cells[side])
            b.raw("\n")
        b.raw("\nFindings: ")
        self.exam(b, grade_written=graded)
        b.raw("\n\nPast history: ")
        self._distractors(b, {"historical"})
        b.raw("\nAssessment: patient with " + self.pick(["LBP", "knee OA", "neck pain", "hip pain"]) + ".\nPlan: ")
        self.plan(b)
        b.raw("\n")

    def primary_care(self, b):
        age = int(self.rng.choice(AGES))
        b.raw(f"CC: f/u {self.pick(['back pain', 'leg pain', 'neck pain', 'hand pain', 'knee pain'])}\n")
        b.raw(f"HPI: {age} y/o {self.pick(['M', 'F'])} here for follow up. ")
        self.symptoms(b)
        self._distractors(b, {"generalized", "uncertain", "pain"})
        b.raw("\nPMH: HTN, HLD. ")
        self._distractors(b, {"historical"})
        b.raw("\nFH: ")
        if "family" in self.visit.distractors:
            self.distractor(b, "family")
        else:
            b.raw("noncontributory. ")
        b.raw("\nROS: Constitutional: neg. ")
        if "negated" in self.visit.distractors:
            b.raw("Neuro: ")
            self.distractor(b, "negated")
        b.raw("\nExam: ")
        self.exam(b)
        b.raw("\nA/P: ")
        self.plan(b)
        self._distractors(b, {"hypothetical"})
        b.raw("\n")

    def ortho(self, b):
        age = int(self.rng.choice(AGES))
        b.raw(f"HISTORY OF PRESENT ILLNESS:  The patient is a {age}-year-old seen in follow-up. ")
        self.symptoms(b)
        self._distractors(b, {"uncertain", "pain", "historical"})
        b.raw("PHYSICAL EXAMINATION:  ")
        self.exam(b)
        self._distractors(b, {"pain_limited", "normal_exam"})
        b.raw("IMPRESSION:  " + self.pick(["Lumbar radiculopathy.", "Degenerative disc disease.", "Suspected compressive neuropathy.", "Knee osteoarthritis."]) + "  ")
        b.raw("PLAN:  ")
        self.plan(b)
        self._distractors(b, {"hypothetical"})

    def chiro(self, b):
        b.raw("Chiropractic visit.\n")
        b.raw(self.pick(["Pt states ", "Patient reports ", "Pt notes "]))
        b.add(self.pick(self.v["pain"]), self.slots)
        b.raw(". ")
        self.symptoms(b)
        self._distractors(b, {"generalized", "uncertain"})
        b.raw("\nPalpation: hypertonicity paraspinals. ")
        self.exam(b)
        b.raw("\nAdjusted L4-5, SI. ")
        self.plan(b)
        b.raw("\n")

    def ed(self, b):
        b.raw("ED NOTE\nChief complaint: " + self.pick(["back pain", "leg pain", "neck pain", "hip pain", "f/u visit"]) + "\nHPI: ")
        self.symptoms(b)
        self._distractors(b, {"generalized", "uncertain", "historical", "pain"})
        b.raw("\nROS: ")
        if "negated" in self.visit.distractors:
            self.distractor(b, "negated")
        else:
            b.raw("otherwise negative. ")
        b.raw("\nExam: ")
        self.exam(b)
        b.raw("\nMDM/Plan: ")
        self.plan(b)
        b.raw("\nReturn precautions: ")
        self.distractor(b, "hypothetical")
        b.raw("\n")

    def phone(self, b):
        caller = self.pick(["Pt called.", "Wife called on behalf of pt.", "Daughter calls about her father.", "Pt left VM, returned call."])
        b.raw(f"Telephone encounter: {caller} ")
        self.symptoms(b)
        self._distractors(b, {"generalized", "uncertain", "pain"})
        b.raw(self.pick(["Advised to keep appt.", "Advised ice, rest.", "RN advised to continue HEP."]) + " ")
        if self.visit.referral:
            self.plan(b)
        b.raw("\n")
