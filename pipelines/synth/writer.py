"""Rendering a visit as a note in its note type's layout and voice, with gold mentions.

Layouts, voices and every phrase come from the JSON files in `vocab/`; this module only
assembles them. Each section of a layout is a heading and blocks (hpi, exam, mmt, girth,
ros, plan, ...). Present findings go where clinicians write them (symptoms in the history,
grades and girths in the exam or in MMT / girth tables, referrals in the plan); each of
the visit's assertion distractors goes to the first block of the layout that takes it.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipelines.synth.cohort import GRADES, Patient, Visit
from pipelines.synth.text import NoteBuilder, capitalize, fill

VOCAB_DIR = Path(__file__).with_name("vocab")
#: Where each distractor kind may be written, in order of preference.
PLACES = {
    "negated": ("exam", "hpi"), "uncertain": ("exam", "hpi"), "historical": ("pmh", "hpi"),
    "historical_referral": ("pmh", "hpi"), "family": ("fh", "hpi"), "hypothetical": ("precautions", "plan"),
    "normal_exam": ("exam", "hpi"), "pain": ("pain", "hpi"), "generalized": ("hpi",), "pain_limited": ("exam", "hpi"),
}


@lru_cache(maxsize=1)
def vocab() -> dict:
    """All vocabulary files under vocab/, by file stem (nerves, findings, context, notes, typos)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(VOCAB_DIR.glob("*.json"))}


@lru_cache(maxsize=1)
def _typo_pattern() -> re.Pattern:
    words = sorted(vocab()["typos"]["typos"], key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")


def _decimal(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


class VisitWriter:
    """Writes one visit's note; `rng` drives every choice, so a seed fixes the text."""

    def __init__(self, rng: np.random.Generator, patient: Patient, visit: Visit, number: int, style: int):
        self.rng, self.patient, self.visit, self.number, self.style = rng, patient, visit, number, style
        v = vocab()
        self.f, self.c, self.n = v["findings"], v["context"], v["notes"]
        self.nerve = v["nerves"]["nerves"][patient.nerve]
        self.layout = self.n["note_types"][visit.note_type]
        self.voice_name = self.layout["voice"]
        self.voice = self.n["voices"][self.voice_name]
        self.blocks = {b for s in self.layout["sections"] for b in s["blocks"]}
        self.has_exam = self.layout["exam"]
        self.weak_mode = "graded" if "mmt" in self.blocks else visit.weak_mode
        self.mmt_grade = visit.weakness and "mmt" in self.blocks
        self.girth_table = bool(visit.atrophy_cm and "girth" in self.blocks and self.nerve["girth"])
        self.grade_in_exam = visit.weakness and self.weak_mode == "graded" and self.has_exam and not self.mmt_grade
        self.placed = self._place_distractors()
        self.slots = self._slots()
        self.b = NoteBuilder()

    # -- choices --------------------------------------------------------------
    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def _slots(self) -> dict:
        p, v, nerves = self.patient, self.visit, vocab()["nerves"]
        limb = nerves["limbs"][self.nerve["limb"]]
        other = "right" if p.side == "left" else "left"
        muscle = self.pick(self.nerve["muscles"])
        area = self.nerve["areas"][v.area]
        girth = self.nerve["girth"] or {"text": "", "site": "", "where": [""]}
        big = float(self.rng.integers(30, 52)) if self.nerve["limb"] == "leg" else float(self.rng.integers(24, 34))
        age_sex = fill(self.pick(self.c["age_sex"][p.sex]), {"age": p.age})
        person = fill(self.pick(self.c["dictated_person"][p.sex]), {"age": p.age})
        pronoun = self.c["pronoun"][p.sex]
        side = self.pick(nerves["sides"][p.side])
        slots = {
            "side": side, "Side": side[0].upper() + side[1:], "other": self.pick(nerves["sides"][other]),
            "sidelimb": self.pick(limb[p.side]), "limb": self.pick(limb["words"]), "muscle": muscle["text"],
            "grade": self._grade(GRADES[v.grade]), "prev": self._grade(GRADES[v.prev_grade or 0]),
            "area": area["text"], "area2": area["text"], "girth": girth["text"], "Girth": girth["text"].capitalize(),
            "where": self.pick(girth["where"]), "cm": _decimal(v.atrophy_cm), "prevcm": _decimal(v.prev_cm),
            "small": _decimal(big - v.atrophy_cm), "big": _decimal(big), "weeks": int(self.rng.integers(2, 7)),
            "imaging": "", "age": p.age, "age_sex": age_sex, "person": person, "person_cap": person[0].upper() + person[1:],
            "pronoun": pronoun, "Pronoun": pronoun.capitalize(), "visit": self.number,
        }
        slots["imaging"] = fill(self.pick(self.nerve["imaging"]), slots)
        slots["complaint"] = fill(self.pick(self.nerve["complaints"]), slots)
        key = "W" if v.weakness else "N"
        slots["deficit"] = f"[{key}:{self.pick(self.f['deficit_words'][key])}]"
        self._sites = {"muscle": muscle["site"], "area": area["site"], "area2": area["site"], "girth": girth["site"], "Girth": girth["site"]}
        return slots

    def _grade(self, grade: str) -> str:
        return self.pick(self.f["grade_writing"]).replace("{g}", self.pick(self.f["grade_forms"][grade]))

    def _place_distractors(self) -> dict:
        v = self.visit
        kinds = list(v.distractors) + (["hypothetical"] if v.note_type == "ED" else [])
        if v.weakness or v.numbness or v.atrophy_cm:
            kinds = [k for k in kinds if k != "normal_exam"]  # no "strength 5/5 throughout" beside a deficit
        placed: dict[str, list[str]] = {}
        for kind in dict.fromkeys(kinds):
            places = [b for b in PLACES[kind] if b in self.blocks]
            if len(places) > 1 and kind == "uncertain" and self.rng.random() < 0.5:
                places.reverse()
            placed.setdefault(places[0], []).append(kind)
        return placed

    # -- writing --------------------------------------------------------------
    def phrase(self, template: str, label: str = "", attributes: dict | None = None, grade: str = "",
               start: bool = False, end: bool = True, misspell: bool = True) -> None:
        """Fill, misspell (unless copied forward) and append one phrase; details (side, site, grade) follow its slots."""
        details = {"grade": grade}
        if "{side}" in template or "{Side}" in template or "{sidelimb}" in template:
            details["side"] = self.patient.side
        for slot, site in self._sites.items():
            if "{" + slot + "}" in template:
                details["site"] = site
                break
        text = fill(template, self.slots)
        text = self._misspell(text) if misspell else text
        if start:
            text = capitalize(text)
        self.b.add(text.rstrip(". ") if end else text, label, attributes, details)
        if end:
            self.b.raw(self.voice["sentence_end"])

    def _misspell(self, text: str) -> str:
        rate, typos = self.voice["typo_rate"], vocab()["typos"]["typos"]
        return _typo_pattern().sub(lambda m: self.pick(typos[m.group(1)]) if self.rng.random() < rate else m.group(1), text)

    def intro_phrase(self, pool: dict, label: str) -> None:
        """A symptom: the voice's intro and a noun phrase, or a clause standing alone."""
        if self.rng.random() < 0.65:
            self.b.raw(fill(self.pick(self.voice["intro"]), self.slots))
            self.phrase(self.pick(pool["noun"]), label)
        else:
            self.phrase(self.pick(pool["clause"]), label, start=True)

    def distractor(self, kind: str) -> None:
        if kind == "historical_referral":
            self.phrase(self.pick(self.f["referral"]["historical"]), "REFERRAL", {"historical": 1}, start=True)
            return
        pool = self.c["distractors"][kind]
        attribute = {pool["attribute"]: 1} if pool["attribute"] else {}
        template = self.pick(pool["phrases"])
        self.phrase(template, "", attribute, grade=GRADES[self.visit.grade] if "{grade}" in template else "", start=True)

    def write(self) -> NoteBuilder:
        """The note: each section's heading, then its blocks."""
        for section in self.layout["sections"]:
            mark = self.b.mark()
            self.b.raw(fill(self.pick(section["heading"]), self.slots))
            body = self.b.length
            for block in section["blocks"]:
                getattr(self, "block_" + block)()
                for kind in self.placed.get(block, []):
                    self.distractor(kind)
            if section["blocks"] and self.b.length == body:
                self.b.rollback(mark)  # nothing to write under this heading
            else:
                self.b.raw(section["end"])
        return self.b

    # -- blocks ---------------------------------------------------------------
    def block_complaint(self):
        self.phrase(self.slots["complaint"], start=True, end=False)

    def block_age_sex(self):
        openers = self.n["hpi_openers"]
        self.phrase(self.pick(openers.get(self.voice_name, openers["terse"])), start=True)

    block_person = block_age_sex

    def block_phone_opening(self):
        self.phrase(self.pick(self.c["phone_opening"]), start=True)

    def block_pain(self):
        self.phrase(self.pick(self.c["distractors"]["pain"]["phrases"]), start=True)

    def block_hpi(self):
        v, f = self.visit, self.f
        if v.numbness:
            if v.spread:
                self.phrase(self.pick(f["progression"]["spread"]), start=True)
            else:
                self.intro_phrase(f["numbness"], "NUMBNESS")
        if v.weakness and (self.weak_mode == "words" or (self.weak_mode == "graded" and not self.has_exam)):
            self.intro_phrase(f["weakness"], "WEAKNESS")
        elif v.weakness and self.weak_mode == "sign" and not self.has_exam:
            self.phrase(self.pick(self.nerve["signs"]), "WEAKNESS", start=True)
        if v.atrophy_cm and not self.has_exam:
            self.phrase(self.pick(f["atrophy_reported"]), "ATROPHY", start=True)
        if v.progression and not v.spread and not (self.grade_in_exam and v.prev_grade is not None):
            progression = f["progression"]
            self.phrase(self.pick(progression["with_deficit"] if self.rng.random() < 0.7 else progression["alone"]), "PROGRESSION", start=True)
        if v.functional:
            self.phrase(self.pick(f["functional_decline"][self.nerve["limb"]]), "FUNCTIONAL_DECLINE", start=True)

    def block_exam(self):
        v, f = self.visit, self.f
        if self.rng.random() < 0.7:
            self.phrase(self.pick(self.c["exam_filler"][self.nerve["limb"]]), start=True)
        if self.grade_in_exam:
            pool = f["weakness_dictated"] if self.voice_name == "dictated" else f["weakness_graded"]
            self.phrase(self.pick(pool), "WEAKNESS", grade=GRADES[v.grade], start=True, end=v.prev_grade is None)
            if v.prev_grade is not None:
                self.b.raw(" (")
                self.phrase(self.pick(f["progression"]["grade_drop"]), "PROGRESSION", end=False)
                self.b.raw(")" + self.voice["sentence_end"])
        elif v.weakness and self.weak_mode == "sign":
            self.phrase(self.pick(self.nerve["signs"]), "WEAKNESS", start=True)
        if v.atrophy_cm and not self.girth_table:
            options = ["atrophy"] + (["girth"] if self.nerve["girth"] else [])
            choice = self.pick(options)
            pool = self.nerve["wasting"] if choice == "atrophy" and self.rng.random() < 0.5 else f[choice]
            growth = choice == "girth" and v.prev_cm > 0
            self.phrase(self.pick(pool), "ATROPHY", start=True, end=not growth)
            if growth:
                self.b.raw(" (")
                self.phrase(self.pick(f["progression"]["girth_growth"]), "PROGRESSION", end=False)
                self.b.raw(")" + self.voice["sentence_end"])
        if v.numbness and self.rng.random() < 0.5:
            self.phrase(self.pick(f["numbness_exam"]), "NUMBNESS", start=True)
        if not (v.weakness or v.numbness or v.atrophy_cm) and self.rng.random() < 0.6:
            self.phrase(self.pick(self.c["distractors"]["normal_exam"]["phrases"]), start=True)

    def block_mmt(self):
        v = self.visit
        template = self.pick(self.f["mmt_rows"])
        for row in self.nerve["table_muscles"]:
            rank = row["rank"] if self.mmt_grade else 0
            grade = GRADES[max(v.grade - rank + 1, 0)] if rank in (1, 2) and v.grade - rank + 1 >= 0 else ""
            cells = {"left": "5/5", "right": "5/5", "row": row["text"]}
            if grade:
                cells[self.patient.side] = f"[{self._grade(grade).replace(' out of 5', '/5')}]"
            self.b.add(template.format(**cells), "WEAKNESS", None,
                       {"grade": grade, "side": self.patient.side, "site": row["site"]})

    def block_girth(self):
        v, girth = self.visit, self.nerve["girth"]
        if not girth or not (self.girth_table or self.rng.random() < 0.4):
            return
        big = float(self.slots["big"])
        cells = {"left": _decimal(big), "right": _decimal(big), "where": self.slots["where"], "Girth": self.slots["Girth"]}
        row = self.pick(self.f["girth_rows"])
        if self.girth_table:
            cells[self.patient.side] = _decimal(big - v.atrophy_cm)
            text = row.format(**cells)
            start, end = text.index("L "), text.rindex(" cm") + 3 if "cm" in text else len(text.rstrip())
            text = text[:start] + "[" + text[start:end] + "]" + text[end:]
            self.b.add(text, "ATROPHY", None, {"side": self.patient.side, "site": girth["site"]})
        else:
            self.b.raw(row.format(**cells))

    def block_ros(self):
        ros = self.c["ros"]
        self.phrase(ros["blocks"][self.style % len(ros["blocks"])], "", {ros["attribute"]: 1}, end=False, misspell=False)

    def block_pmh(self):
        self.phrase(self.pick(self.c["pmh"]), start=True)

    def block_fh(self):
        self.phrase(self.pick(self.c["fh"]), start=True)

    def block_social(self):
        self.phrase(self.pick(self.c["social"]), end=False)

    def block_meds(self):
        self.phrase(self.pick(self.c["meds"]), end=False)

    def block_vitals(self):
        self.phrase(self.pick(self.c["vitals"]), end=False)

    def block_treatment(self):
        pool = self.c["treatment"].get(self.voice_name)
        if pool:
            self.phrase(self.pick(pool[self.nerve["limb"]]), start=True)

    def block_assessment(self):
        pool = self.n["assessment"].get(self.voice_name, self.nerve["impressions"])
        self.phrase(self.pick(pool), start=True)

    def block_goals(self):
        self.phrase(self.pick(self.n["goals"]), start=True)

    def block_consult(self):
        if self.visit.referred:
            self.phrase(self.pick(self.f["consult_intro"]), start=True)
        else:
            self.phrase(self.pick(self.c["postop"]), start=True)

    def block_plan(self):
        kind, referral = self.visit.referral, self.f["referral"]
        if kind == "order":
            pool = referral["recommend"] if self.voice_name in ("pt", "chiro") else referral["order"]
            self.phrase(self.pick(pool), "REFERRAL", start=True)
        elif kind == "follow_up":
            self.phrase(self.pick(referral["follow_up"]), "REFERRAL", start=True)
        elif kind:
            self.phrase(self.pick(referral[kind]), "REFERRAL", {kind: 1}, start=True)
        plans = self.c["plans"]
        self.phrase(self.pick(plans.get(self.voice_name, plans["pc"]) if self.voice_name != "dictated" else plans["consult"]), start=True)

    def block_precautions(self):
        if "hypothetical" in self.placed.get("precautions", []):
            self.b.raw(self.pick(self.c["precaution_leads"]))
