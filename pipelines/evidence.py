"""Evidence for auditors: the sentence each mention stands in, from the note text."""
from __future__ import annotations

import bisect

import pandas as pd

from nlp.sections import find_sections
from nlp.sentences import sentence_spans

MAX_SNIPPET = 400


def add_snippets(mentions: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """`mentions` with `snippet` (its sentence, at most MAX_SNIPPET chars around the mention) and `snippet_start` (offset of the snippet in the note)."""
    out = mentions.copy()
    if not len(out):
        out["snippet"] = pd.Series(dtype="string")
        out["snippet_start"] = pd.Series(dtype="int64")
        return out
    text = dict(zip(notes["note_id"], notes["text"]))
    spans_cache: dict[str, list] = {}
    snippets, starts = [], []
    for note_id, start, end in zip(out["note_id"], out["start"], out["end"]):
        note = str(text[note_id])
        if note_id not in spans_cache:
            spans_cache[note_id] = sentence_spans(note, find_sections(note))
        spans = spans_cache[note_id]
        i = bisect.bisect_right([s for s, _ in spans], start) - 1
        s, e = spans[i]
        s, e = max(s, start - MAX_SNIPPET // 2), min(e, end + MAX_SNIPPET // 2)
        snippets.append(note[s:e].strip())
        starts.append(s + (len(note[s:e]) - len(note[s:e].lstrip())))
    out["snippet"] = snippets
    out["snippet_start"] = starts
    return out
