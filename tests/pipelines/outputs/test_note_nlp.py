"""OMOP CDM v5.4 NOTE_NLP rows: columns, assertion mapping, modifiers, snippet length, ids."""
import pandas as pd

from pipelines.outputs.note_nlp import COLUMNS, SNIPPET_MAX, note_nlp_rows
from tests.pipelines.helpers import mentions

WHEN = pd.Timestamp("2024-05-01 02:03:04")


def rows(m: pd.DataFrame, **snippet) -> pd.DataFrame:
    m = m.assign(snippet=snippet.get("snippet", m["text"]), snippet_start=snippet.get("snippet_start", m["start"]))
    return note_nlp_rows(m, "0.1.0+rules.abc", pd.Series(WHEN, index=m["note_id"].unique()))


def test_columns_ids_and_constant_fields():
    out = rows(mentions(("n2-1", "NUMBNESS"), ("n1-1", "WEAKNESS", {"grade": "4-", "side": "left", "site": "quadriceps"})))
    assert list(out.columns) == COLUMNS
    assert out["note_nlp_id"].tolist() == [1, 2] and out["note_id"].tolist() == ["n1-1", "n2-1"]
    assert (out[["section_concept_id", "note_nlp_concept_id", "note_nlp_source_concept_id"]] == 0).all().all()
    assert set(out["nlp_system"]) == {"nerveflag 0.1.0+rules.abc"}
    assert out.loc[0, "nlp_date"] == WHEN.date() and out.loc[0, "nlp_datetime"] == WHEN
    assert out.loc[0, "offset"] == "1" and out.loc[0, "lexical_variant"] == "weakness"
    assert out.loc[0, "term_modifiers"] == ("negated=false,uncertain=false,historical=false,hypothetical=false,family=false,"
                                            "grade=4-,side=left,site=quadriceps,label=WEAKNESS")


def test_term_exists_and_temporal_follow_the_assertions():
    out = rows(mentions(*[(f"n{i}", "WEAKNESS", {a: 1}) for i, a in enumerate(["negated", "uncertain", "hypothetical", "family", "historical"])],
                        ("n9", "WEAKNESS")))
    assert out["term_exists"].tolist() == ["N", "N", "N", "N", "Y", "Y"]
    assert out["term_temporal"].tolist() == ["present"] * 4 + ["past", "present"]
    assert "negated=true" in out.loc[0, "term_modifiers"]


def test_long_sentences_become_a_window_around_the_mention():
    sentence = "x" * 300 + " L quad 3/5 " + "y" * 300
    m = mentions(("n1", "WEAKNESS", {"text": "L quad 3/5"}))
    m[["start", "end"]] = [1000 + 301, 1000 + 311]
    out = rows(m, snippet=[sentence], snippet_start=[1000])
    assert len(out.loc[0, "snippet"]) <= SNIPPET_MAX and out.loc[0, "snippet"] == "x" * 59 + " L quad 3/5 " + "y" * 59
    assert out.loc[0, "offset"] == "1301"


def test_integer_note_ids_stay_integers_for_omop():
    out = rows(mentions(("10", "WEAKNESS"), ("9", "NUMBNESS")))
    assert out["note_id"].dtype == "int64" and out["note_id"].tolist() == [10, 9]


def test_no_mentions_no_rows():
    out = rows(mentions())
    assert out.empty and list(out.columns) == COLUMNS
