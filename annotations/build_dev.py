"""Build the development gold set from its hand-written sources.

    python annotations/build_dev.py           # write dev/notes.csv, dev/mentions.csv, README counts
    python annotations/build_dev.py --check   # exit 1 if any of them is out of date

Sources are `dev/source/<patient_id>.md`, one file per patient. Each note starts with a
header line `## <note_id> | <YYYY-MM-DD> | <note_type>`; its text is the inline markup
(pipelines.gold.markup) up to the next header, without surrounding blank lines. Lines
before the first header must be blank or a `# ` title.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

import pandas as pd

from pipelines.gold.markup import MarkupError, parse_markup
from pipelines.schemas import ATTRIBUTES, LABELS, MENTIONS, NOTES, conform

HERE = Path(__file__).resolve().parent
DEV = HERE / "dev"
README = HERE / "README.md"
HEADER = re.compile(r"^## (\S+) \| (\d{4}-\d{2}-\d{2}) \| (\S.*?)\s*$")
COUNTS_BEGIN, COUNTS_END = "<!-- counts: written by build_dev.py -->", "<!-- /counts -->"


def read_source(path: Path) -> tuple[list[dict], list[dict]]:
    """Notes and mentions (as dict rows) of one patient's source file."""
    patient_id = path.stem
    notes, mentions, current, body = [], [], None, []

    def flush():
        if current is None:
            return
        note_id, date, note_type, line = current
        try:
            text, found = parse_markup("\n".join(body).strip("\n"))
        except MarkupError as err:
            raise MarkupError(f"{path.name}: note {note_id} (header line {line}): {err}") from None
        if not text.strip():
            raise ValueError(f"{path.name}: note {note_id} is empty")
        notes.append({"patient_id": patient_id, "note_id": note_id, "note_date": date, "text": text, "note_type": note_type})
        mentions.extend({"note_id": note_id, "patient_id": patient_id, "note_date": date, "section": "", "cues": "", **m}
                        for m in found)

    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        header = HEADER.match(line)
        if header:
            flush()
            current, body = (*header.groups(), lineno), []
        elif current is None:
            if line.strip() and not line.startswith("# "):
                raise ValueError(f"{path.name} line {lineno}: text before the first '## note_id | date | type' header")
        else:
            body.append(line)
    flush()
    if not notes:
        raise ValueError(f"{path.name}: no notes")
    return notes, mentions


def build(source_dir: Path = DEV / "source") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Notes (schemas.NOTES) and gold mentions (schemas.MENTIONS) from every source file."""
    notes, mentions = [], []
    for path in sorted(source_dir.glob("*.md")):
        n, m = read_source(path)
        notes += n
        mentions += m
    notes_df = conform(pd.DataFrame(notes), NOTES, "notes")
    dupes = notes_df["note_id"][notes_df["note_id"].duplicated()]
    if len(dupes):
        raise ValueError(f"duplicate note ids: {', '.join(sorted(set(dupes)))}")
    return notes_df, conform(pd.DataFrame(mentions, columns=list(MENTIONS)), MENTIONS, "mentions")


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text of a frame with dates as YYYY-MM-DD."""
    buf = io.StringIO()
    frame.assign(note_date=frame["note_date"].dt.strftime("%Y-%m-%d")).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def counts_markdown(notes: pd.DataFrame, mentions: pd.DataFrame) -> str:
    """Markdown tables: totals, mentions per label with attribute counts, note types."""
    per_patient = notes.groupby("patient_id").size()
    lines = [
        f"{len(notes)} notes, {notes['patient_id'].nunique()} patients "
        f"({per_patient.min()}-{per_patient.max()} notes each), {len(mentions)} mentions; "
        f"note length {notes['text'].str.len().min()}-{notes['text'].str.len().max()} characters.",
        "",
        "| label | mentions | present | " + " | ".join(ATTRIBUTES) + " | grade | side | site |",
        "|---|" + "---:|" * (len(ATTRIBUTES) + 5),
    ]
    for label in (*LABELS, "total"):
        rows = mentions if label == "total" else mentions[mentions["label"] == label]
        present = int((rows[list(ATTRIBUTES)].sum(axis=1) == 0).sum())
        cells = [len(rows), present, *(int(rows[a].sum()) for a in ATTRIBUTES),
                 *(int((rows[c] != "").sum()) for c in ("grade", "side", "site"))]
        lines.append(f"| {label} | " + " | ".join(map(str, cells)) + " |")
    lines += ["", "| note_type | notes |", "|---|---:|"]
    lines += [f"| {t} | {n} |" for t, n in notes["note_type"].value_counts().sort_index().items()]
    return "\n".join(lines)


def readme_with_counts(readme: str, table: str) -> str:
    """The README text with the block between the counts markers replaced by `table`."""
    head, sep, rest = readme.partition(COUNTS_BEGIN)
    _, sep2, tail = rest.partition(COUNTS_END)
    if not (sep and sep2):
        raise ValueError(f"{README.name}: counts markers not found")
    return f"{head}{COUNTS_BEGIN}\n{table}\n{COUNTS_END}{tail}"


def outputs(notes: pd.DataFrame, mentions: pd.DataFrame) -> dict[Path, str]:
    """Every built file and its expected content, given the built notes and mentions."""
    return {
        DEV / "notes.csv": to_csv(notes),
        DEV / "mentions.csv": to_csv(mentions),
        README: readme_with_counts(README.read_text(encoding="utf-8"), counts_markdown(notes, mentions)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the built files are up to date")
    args = parser.parse_args(argv)
    notes, mentions = build()
    stale = []
    for path, content in outputs(notes, mentions).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != content:
            stale.append(path.name)
            if not args.check:
                path.write_text(content, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)} (run python annotations/build_dev.py)", file=sys.stderr)
        return 1
    print(counts_markdown(notes, mentions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
