"""The NegEx/ConText corpus: our assertion against the figures out-of-the-box medspaCy reaches."""
import pytest

from pipelines.evaluate.context import evaluate_context, load_corpus

# Out-of-the-box medspaCy measured on this corpus (issue 2; reproduced by `nerveflag evaluate context`).
MEDSPACY_F1 = {"negated": 0.930, "historical": 0.629, "hypothetical": 0.809, "family": 0.571}
# Ours when last measured (2026-12-02): negated 0.972, historical 0.691, hypothetical 0.945, family 0.727.
FLOORS = {"negated": 0.96, "historical": 0.68, "hypothetical": 0.92, "family": 0.72}


def test_corpus_rows_with_concepts_outside_the_sentence_are_counted(shared_dir, tmp_path):
    path = tmp_path / "mini.tsv"
    path.write_text("row_id\tconcept\tsentence\tnegation\ttemporality\texperiencer\tannotation_note\n"
                    "1\tcough\tShe denies any COUGH.\tNegated\tRecent\tPatient\t\n"
                    "2\tfever\tNo.\tNegated\tRecent\tPatient\tplts\n")
    df, skipped = load_corpus(path)
    assert len(df) == 1 and skipped == 1 and df.loc[0, "start"] == 15


def test_our_context_on_the_corpus(shared_dir):
    result = evaluate_context(shared_dir / "data" / "negex" / "context_annotations.tsv", systems=("nerveflag",))
    assert result["skipped"] == 12
    for attr, floor in FLOORS.items():
        assert result["nerveflag"][attr]["f1"] >= floor, attr
    for attr, f1 in MEDSPACY_F1.items():
        assert result["nerveflag"][attr]["f1"] > f1, attr
