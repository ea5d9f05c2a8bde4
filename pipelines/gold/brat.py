"""brat standoff export/import of notes and mentions.

A brat directory holds, per note, `<note_id>.txt` (the exact note text, UTF-8) and
`<note_id>.ann`:

    T1<TAB>WEAKNESS 12 21<TAB>quad 4-/5
    A1<TAB>Negated T1                       (boolean attributes: Negated Uncertain
                                             Historical Hypothetical Family)
    A2<TAB>Grade T1 4-                      (valued attributes: Grade, Side)
    #1<TAB>AnnotatorNotes T1<TAB>{"site": "quadriceps"}

AnnotatorNotes hold a JSON object with the free-text fields `site`, `section` and `cues`
(only the non-empty ones). `annotation.conf` declares the labels and attributes, and
`notes.csv` carries each note's metadata (patient_id, note_id, note_date, note_type; no
text). Without `notes.csv`, `read_brat` takes every .txt as a note with an empty
patient_id, note_type and date. Offsets are character offsets into the .txt; a line break inside a span is written as a
space in the T line's text (brat itself would split such a span into fragments).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from pipelines.gold.markup import GRADES, SIDES
from pipelines.schemas import ATTRIBUTES, LABELS, MENTIONS, NOTES, conform

METADATA = "notes.csv"
CONF = "annotation.conf"
#: Note-level fields carried in AnnotatorNotes rather than brat attributes.
NOTE_FIELDS = ("site", "section", "cues")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_SPAN = re.compile(r"(\S+) (\d+) (\d+)\Z")


def _brat_name(attribute: str) -> str:
    return attribute.capitalize()


def annotation_conf() -> str:
    """The brat annotation.conf for the six labels and the mention attributes."""
    bools = "\n".join(f"{_brat_name(a)}\tArg:<ENTITY>" for a in ATTRIBUTES)
    return (
        "[entities]\n" + "\n".join(LABELS) + "\n\n[relations]\n\n[events]\n\n[attributes]\n" + bools
        + f"\nGrade\tArg:<ENTITY>, Value:{'|'.join(GRADES)}\nSide\tArg:<ENTITY>, Value:{'|'.join(SIDES)}\n"
    )


def _ann_lines(mentions: pd.DataFrame, text: str, note_id: str) -> list[str]:
    lines, n_attr = [], 0
    for t, m in enumerate(mentions.itertuples(index=False), start=1):
        if text[m.start:m.end] != m.text:
            raise ValueError(f"note {note_id}: mention T{t} text does not match the note at {m.start}-{m.end}")
        lines.append(f"T{t}\t{m.label} {m.start} {m.end}\t{' '.join(m.text.split())}")
        values = [(_brat_name(a), "") for a in ATTRIBUTES if getattr(m, a)]
        values += [(name, getattr(m, name.lower())) for name in ("Grade", "Side") if getattr(m, name.lower())]
        for name, value in values:
            n_attr += 1
            lines.append(f"A{n_attr}\t{name} T{t}" + (f" {value}" if value else ""))
        notes = {f: getattr(m, f) for f in NOTE_FIELDS if getattr(m, f)}
        if notes:
            lines.append(f"#{t}\tAnnotatorNotes T{t}\t{json.dumps(notes, ensure_ascii=False)}")
    return lines


def write_brat(notes: pd.DataFrame, mentions: pd.DataFrame, out_dir) -> dict:
    """Write notes (schemas.NOTES) and mentions (schemas.MENTIONS) as a brat directory.

    Returns counts {"notes", "mentions"}. Raises ValueError for note ids that are not safe
    file names, duplicate note ids, mentions of unknown notes or whose text does not
    match the note.
    """
    notes = conform(notes, NOTES, "notes")
    mentions = conform(mentions, MENTIONS, "mentions")
    bad = [i for i in notes["note_id"] if not _SAFE_ID.match(i)]
    if bad:
        raise ValueError(f"{len(bad)} note id(s) are not safe file names, e.g. {bad[0]!r}")
    if notes["note_id"].duplicated().any():
        raise ValueError("duplicate note ids")
    unknown = set(mentions["note_id"]) - set(notes["note_id"])
    if unknown:
        raise ValueError(f"mentions refer to {len(unknown)} note id(s) not in the notes, e.g. {sorted(unknown)[0]!r}")
    for col in ("grade", "side"):
        allowed = GRADES if col == "grade" else SIDES
        odd = sorted(set(mentions[col]) - set(allowed) - {""})
        if odd:
            raise ValueError(f"mentions: {col} value(s) brat cannot declare: {', '.join(odd)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / CONF).write_text(annotation_conf(), encoding="utf-8")
    by_note = dict(tuple(mentions.groupby("note_id", sort=False)))
    for note in notes.itertuples(index=False):
        (out / f"{note.note_id}.txt").write_text(note.text, encoding="utf-8", newline="")
        rows = by_note.get(note.note_id, mentions.iloc[0:0])
        lines = _ann_lines(rows, note.text, note.note_id)
        (out / f"{note.note_id}.ann").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8", newline="")
    meta = notes.drop(columns="text").assign(note_date=notes["note_date"].dt.strftime("%Y-%m-%d"))
    meta.to_csv(out / METADATA, index=False)
    return {"notes": len(notes), "mentions": len(mentions)}


def _parse_ann(path: Path, text: str) -> list[dict]:
    """Mentions of one .ann file; ValueError naming file and line for anything unsupported."""
    spans: dict[str, dict] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {lineno}"
        fields = line.split("\t")
        kind = fields[0][:1]
        if kind == "T":
            if len(fields) < 2:
                raise ValueError(f"{where}: malformed text-bound annotation")
            if ";" in fields[1]:
                raise ValueError(f"{where}: discontinuous span ({fields[0]}); nerveflag mentions are one contiguous span")
            match = _SPAN.match(fields[1])
            if not match:
                raise ValueError(f"{where}: malformed span")
            label, start, end = match.group(1), int(match.group(2)), int(match.group(3))
            if label not in LABELS:
                raise ValueError(f"{where}: unknown label {label!r}")
            if not 0 <= start < end <= len(text):
                raise ValueError(f"{where}: span {start}-{end} is outside the text")
            if len(fields) > 2 and " ".join(fields[2].split()) != " ".join(text[start:end].split()):
                raise ValueError(f"{where}: span text does not match the .txt at {start}-{end}")
            spans[fields[0]] = {"label": label, "start": start, "end": end, "text": text[start:end]}
        elif kind in ("A", "M"):
            parts = fields[1].split(" ") if len(fields) > 1 else []
            if len(parts) not in (2, 3) or parts[1] not in spans:
                raise ValueError(f"{where}: attribute must name an earlier T annotation")
            name, mention = parts[0].lower(), spans[parts[1]]
            if name in ATTRIBUTES and len(parts) == 2:
                mention[name] = 1
            elif name in ("grade", "side") and len(parts) == 3:
                mention[name] = parts[2]
            else:
                raise ValueError(f"{where}: unknown attribute {parts[0]!r}")
        elif kind == "#":
            parts = fields[1].split(" ") if len(fields) > 2 else []
            if len(parts) != 2 or parts[0] != "AnnotatorNotes" or parts[1] not in spans:
                raise ValueError(f"{where}: note must be 'AnnotatorNotes T<n>' with a text")
            try:
                extra = json.loads(fields[2])
            except json.JSONDecodeError:
                extra = None
            if not isinstance(extra, dict) or set(extra) - set(NOTE_FIELDS):
                raise ValueError(f"{where}: AnnotatorNotes must be a JSON object with keys among {', '.join(NOTE_FIELDS)}")
            spans[parts[1]].update(extra)
        else:
            raise ValueError(f"{where}: unsupported annotation type {fields[0][:1]!r} (only T, A, M and # lines)")
    return list(spans.values())


def read_brat(directory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Notes (schemas.NOTES) and mentions (schemas.MENTIONS) from a brat directory.

    Notes come in `notes.csv` order (else sorted by file name); mentions by note, then in
    .ann order. Every note needs its .txt; a missing .ann means no mentions.
    """
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such directory")
    if (root / METADATA).is_file():
        meta = pd.read_csv(root / METADATA, dtype=str, keep_default_na=False)
        missing = [c for c in ("patient_id", "note_id", "note_date") if c not in meta.columns]
        if missing:
            raise ValueError(f"{METADATA}: missing column(s) {', '.join(missing)}")
    else:
        ids = sorted(p.stem for p in root.glob("*.txt"))
        meta = pd.DataFrame({"patient_id": "", "note_id": ids, "note_date": ""})
    if "note_type" not in meta.columns:
        meta["note_type"] = ""
    texts, rows = [], []
    for note in meta.itertuples(index=False):
        txt = root / f"{note.note_id}.txt"
        if not txt.is_file():
            raise FileNotFoundError(f"{txt}: no such file (listed in {METADATA})")
        with open(txt, encoding="utf-8", newline="") as fh:
            text = fh.read()
        texts.append(text)
        ann = root / f"{note.note_id}.ann"
        if ann.is_file():
            for m in _parse_ann(ann, text):
                rows.append({"note_id": note.note_id, "patient_id": note.patient_id, "note_date": note.note_date, **m})
    notes = conform(meta.assign(text=texts), NOTES, "notes")
    defaults = {a: 0 for a in ATTRIBUTES} | {c: "" for c in ("grade", "side", "site", "section", "cues")}
    frame = pd.DataFrame(rows, columns=list(MENTIONS)).fillna(defaults) if rows else pd.DataFrame(columns=list(MENTIONS))
    return notes, conform(frame, MENTIONS, "mentions")
