"""The self-contained HTML report a quality team can open and mail.

Sections: run summary; cohort figures (present findings per label, diagnostic delay);
the worklist; per flagged patient, a visit timeline with the evidence sentences and the
flagged words highlighted, and the strength-grade trend. Every piece of note-derived text
goes through html.escape: a note holding `<script>` renders as text.
"""
from __future__ import annotations

from collections import Counter
from html import escape

import numpy as np
import pandas as pd

from pipelines.outputs.svg import bar_chart, line_chart
from pipelines.outputs.rows import records
from pipelines.schemas import ATTRIBUTES
from pipelines.timeline import grade_value, present_mask

COLORS = {"ATROPHY": "#f4a6a6", "WEAKNESS": "#f7c873", "NUMBNESS": "#a6d2f4", "PROGRESSION": "#d7b4f0",
          "FUNCTIONAL_DECLINE": "#b8e0b0", "REFERRAL": "#cccccc"}
WORKLIST_VIEW = ["patient_id", "risk", "rule_flag", "delay_days", "delay_censored", "first_red_flag_date", "last_note_date", "n_notes"]
STYLE = """body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:13px}
th{background:#f2f2f2;text-align:left}mark{padding:1px 3px;border-radius:3px}mark small{font-size:9px;font-weight:bold;margin-left:3px}
.asserted{text-decoration:line-through;opacity:.7}.patient{border-top:2px solid #888;margin-top:2em}.muted{color:#777}"""


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return escape(str(value.date()))
    if isinstance(value, float):
        return f"{value:.2f}"
    return escape(str(value))


def html_table(df: pd.DataFrame, link_column: str = "") -> str:
    """An escaped HTML table of `df`; cells of `link_column` link to the patient sections."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in df.columns)
    def cell(column, value):
        text = _cell(value)
        return f'<td><a href="#p-{text}">{text}</a></td>' if column == link_column else f"<td>{text}</td>"
    rows = "".join("<tr>" + "".join(cell(c, v) for c, v in zip(df.columns, row)) + "</tr>" for row in records(df))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def summary_table(summary: dict) -> str:
    """The run summary (versions, counts, timings per stage, notes/s) as a two-column table."""
    rows = []
    for key, value in summary.items():
        if key in ("outputs", "status"):
            continue
        if isinstance(value, dict):
            unit = " (s)" if key.startswith("timings") else ""
            rows += [(f"{key.split('_')[0]}: {k.replace('_', ' ')}{unit}", v) for k, v in value.items()]
        else:
            rows.append((key.replace("_", " "), value))
    return html_table(pd.DataFrame(rows, columns=["measure", "value"]).astype(str))


def _asserted(m) -> list[str]:
    return [a for a in ATTRIBUTES if int(getattr(m, a))]


def highlight(snippet: str, snippet_start: int, mentions: list) -> str:
    """The snippet, escaped, with each mention (a row with start, end, label, attributes) inside it
    wrapped in a colored <mark> naming its label; one span with two labels (a rule's
    `also_labels`) is one mark naming both."""
    spans: dict = {}
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        spans.setdefault((m.start, m.end), []).append(m)
    pieces, pos = [], 0
    for (start, end), same in spans.items():
        s, e = start - snippet_start, end - snippet_start
        if s < pos or e > len(snippet) or s < 0:
            continue
        labels = " + ".join(dict.fromkeys(m.label for m in same))
        asserted = _asserted(same[0])
        title = escape(labels + (" (" + ", ".join(asserted) + ")" if asserted else ""))
        cls = ' class="asserted"' if asserted else ""
        pieces.append(escape(snippet[pos:s]))
        pieces.append(f'<mark style="background:{COLORS.get(same[0].label, "#eee")}" title="{title}"><span{cls}>{escape(snippet[s:e])}</span>'
                      f'<small>{escape(labels)}</small></mark>')
        pos = e
    pieces.append(escape(snippet[pos:]))
    return "".join(pieces)


def _group(rows: list, key: str) -> dict:
    out: dict = {}
    for row in rows:
        out.setdefault(getattr(row, key), []).append(row)
    return out


def grade_trend(pid: str, mentions: list) -> str:
    """Line chart of the worst present strength grade per visit, or "" when no grade was written."""
    worst: dict = {}
    for m in mentions:
        if m.label == "WEAKNESS" and m.grade and not _asserted(m):
            key = (m.note_date, m.note_id)
            worst[key] = min(worst.get(key, 99.0), grade_value(m.grade))
    if not worst:
        return ""
    start, end = min(date for date, _ in worst), max(date for date, _ in worst)
    points = [(f"{date:%m-%d}", (date - start).days, value) for (date, _), value in sorted(worst.items())]
    years = f"{start:%Y}" + (f"-{end:%Y}" if end.year != start.year else "")
    return f"<h4>Strength grade (worst per visit), {years}</h4>" + line_chart(points, f"strength grades of patient {pid}")


def patient_section(patient, visits: list, mentions: list) -> str:
    """Timeline, evidence and grade trend for one patient (`visits`, `mentions`: that patient's rows)."""
    pid = str(patient.patient_id)
    by_note = _group(mentions, "note_id")
    rows = []
    for v in sorted(visits, key=lambda v: (v.note_date, v.note_id)):
        vm = by_note.get(v.note_id, [])
        by_sentence: dict = {}
        for m in vm:
            by_sentence.setdefault((str(m.snippet), int(m.snippet_start)), []).append(m)
        evidence = "<br>".join(highlight(snip, start, ms) for (snip, start), ms in by_sentence.items())
        present = Counter(m.label for m in vm if not _asserted(m))
        found = ", ".join(f"{escape(k)} x{n}" for k, n in present.most_common())
        rows.append(f"<tr><td>{_cell(v.note_date)}</td><td>{escape(str(v.note_type))}<br><span class='muted'>{escape(str(v.note_id))}</span></td>"
                    f"<td>{found}</td><td>{evidence}</td></tr>")
    risk = "" if pd.isna(patient.risk) else f", risk {patient.risk:.2f}"
    delay = "" if pd.isna(patient.delay_days) else f", {patient.delay_days:.0f} days since first red flag" + (" (still waiting)" if patient.delay_censored else "")
    return (f"<div class='patient' id='p-{escape(pid)}'><h3>Patient {escape(pid)}{risk}{delay}</h3>"
            f"<p>{escape(str(patient.reasons))}</p>{grade_trend(pid, mentions)}"
            f"<table><thead><tr><th>date</th><th>note</th><th>present findings</th><th>evidence</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def legend() -> str:
    """One colored <mark> per label, as the highlights in the evidence use them."""
    marks = " ".join(f'<mark style="background:{color}"><small>{escape(label)}</small></mark>' for label, color in COLORS.items())
    return f'<p class="muted">Highlights: {marks}; struck through: negated, uncertain, historical, hypothetical or about family.</p>'


def render_report(summary: dict, patients: pd.DataFrame, worklist: pd.DataFrame, notes: pd.DataFrame, mentions: pd.DataFrame) -> str:
    """The whole report as one HTML string."""
    present = mentions[present_mask(mentions)] if len(mentions) else mentions
    per_label = {k: int(v) for k, v in present["label"].value_counts().items()} if len(present) else {}
    flagged = patients[patients["first_red_flag_date"].notna()]
    bins = [0, 7, 14, 30, 60, 90, 180, 10_000]
    names = ["0-6 d", "7-13 d", "14-29 d", "30-59 d", "60-89 d", "90-179 d", "180+ d"]
    delays = {}
    for censored, label in ((0, "referred"), (1, "still waiting")):
        d = flagged[flagged["delay_censored"] == censored]["delay_days"]
        counts = pd.cut(d, bins, right=False, labels=names).value_counts().reindex(names).fillna(0)
        delays.update({f"{n} {label}": float(c) for n, c in counts.items() if c})
    listed = patients.set_index("patient_id").loc[worklist["patient_id"]].reset_index()
    wanted = set(listed["patient_id"])
    notes_of = _group(records(notes[notes["patient_id"].isin(wanted)]), "patient_id")
    mentions_of = _group(records(mentions[mentions["patient_id"].isin(wanted)]), "patient_id")
    sections = "".join(patient_section(p, notes_of.get(p.patient_id, []), mentions_of.get(p.patient_id, [])) for p in records(listed))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nerveflag report</title><style>{STYLE}</style></head>
<body><h1>nerveflag: patients whose nerve injury may be missed</h1>
<section id="run-summary"><h2>Run summary</h2>{summary_table(summary)}</section>
<h2>Cohort</h2><p>{len(patients)} patients; {int(patients['needs_referral'].sum())} need referral; {len(flagged)} had a red flag.</p>
<h3>Present findings per label</h3>{bar_chart(per_label)}
<h3>Diagnostic delay (first red flag to referral, or to last note when still waiting)</h3>{bar_chart(delays, color="#c0392b")}
<h2>Worklist ({len(worklist)})</h2><p class="muted">Full reasons and evidence: worklist.csv and the patient sections below.</p>{html_table(worklist[WORKLIST_VIEW], link_column="patient_id")}
<h2>Patients on the worklist</h2>{legend()}{sections or "<p>None.</p>"}
</body></html>"""
