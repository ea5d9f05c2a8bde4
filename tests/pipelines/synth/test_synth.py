"""The synthetic cohort generator: determinism, schemas, exact offsets, coverage, rule-derived labels, bad input."""
import json
import re

import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.delay import diagnostic_delay
from pipelines.rule import referral_rule
from pipelines.schemas import ATTRIBUTES, LABELS, MENTIONS, NOTES, conform
from pipelines.synth import PATIENT_COLUMNS, generate_cohort, note_types, write_cohort
from pipelines.synth.cohort import CATEGORIES, GRADES
from pipelines.synth.text import NoteBuilder, strip_brackets
from pipelines.synth.writer import VOCAB_DIR, vocab
from pipelines.timeline import build_timeline, present_mask


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(200, 3)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    write_cohort(25, 5, out / "a")
    write_cohort(25, 5, out / "b")
    write_cohort(25, 6, out / "c")
    return out


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_same_seed_same_bytes_other_seed_other_bytes(written):
    for name in ("notes.csv", "mentions.csv", "patients.csv"):
        assert (written / "a" / name).read_bytes() == (written / "b" / name).read_bytes(), name
        assert (written / "a" / name).read_bytes() != (written / "c" / name).read_bytes(), name


def test_files_follow_the_schemas_and_offsets_survive_csv(written):
    notes, mentions, patients = (read(written / "a" / f"{n}.csv") for n in ("notes", "mentions", "patients"))
    assert list(notes.columns) == list(NOTES) and list(mentions.columns) == list(MENTIONS)
    assert list(patients.columns) == PATIENT_COLUMNS
    conform(notes, NOTES, "notes"), conform(mentions, MENTIONS, "mentions")
    text = notes.set_index("note_id")["text"]
    assert all(text[m.note_id][int(m.start):int(m.end)] == m.text for m in mentions.itertuples())
    assert set(mentions["label"]) <= set(LABELS)
    assert notes["note_id"].is_unique and set(patients["patient_id"]) == set(notes["patient_id"])


def test_offsets_are_exact_and_attributes_well_formed(cohort):
    notes, mentions, _ = cohort
    text = notes.set_index("note_id")["text"]
    assert all(text[m.note_id][m.start:m.end] == m.text for m in mentions.itertuples())
    assert (mentions["end"] > mentions["start"]).all()
    assert (mentions["text"].str.strip() == mentions["text"]).all()
    assert "[" not in "".join(notes["text"]) and "{" not in "".join(notes["text"])
    graded = mentions["grade"] != ""
    assert set(mentions.loc[graded, "label"]) == {"WEAKNESS"} and set(mentions.loc[graded, "grade"]) <= set(GRADES)
    assert set(mentions["side"]) == {"", "left", "right"}
    assert (mentions.loc[mentions["label"].isin(["REFERRAL", "PROGRESSION", "FUNCTIONAL_DECLINE"]), ["grade", "side", "site"]] == "").all().all()


def test_every_category_note_type_nerve_label_and_attribute_appears(cohort):
    notes, mentions, patients = cohort
    assert set(patients["category"]) == set(CATEGORIES)
    assert set(notes["note_type"]) == set(note_types()) and len(note_types()) >= 7
    assert set(patients["nerve"]) == set(vocab()["nerves"]["nerves"])
    assert set(mentions["label"]) == set(LABELS)
    for attr in ATTRIBUTES:
        assert mentions[attr].sum() > 0, attr
    shares = patients["category"].value_counts(normalize=True)
    for category, share in CATEGORIES.items():
        assert shares[category] == pytest.approx(share, abs=0.01)
    assert 2 <= patients["n_notes"].min() and patients["n_notes"].max() <= 8


def test_labels_are_the_rule_on_gold_mentions(cohort):
    notes, mentions, patients = cohort
    timeline = build_timeline(notes, mentions)
    rule = referral_rule(notes, mentions, timeline).set_index("patient_id")
    got = patients.set_index("patient_id")
    assert (got["needs_referral"] == rule["rule_flag"].reindex(got.index)).all()
    delay = diagnostic_delay(rule.reset_index(), timeline).set_index("patient_id").reindex(got.index)
    pd.testing.assert_series_equal(got["delay_days"], delay["delay_days"], check_names=False)
    pd.testing.assert_series_equal(got["first_referral_date"], delay["first_referral_date"], check_names=False)


def test_categories_play_out_as_intended(cohort):
    """Missed patients need referral; referred ones were referred on (prompt) or after (late) the red flag; negatives never flag."""
    _, _, patients = cohort
    by = patients.groupby("category")
    assert (by.get_group("missed")["needs_referral"] == 1).all()
    for category in ("referred_prompt", "referred_late", "tricky_negative", "uncertain"):
        assert (by.get_group(category)["needs_referral"] == 0).all(), category
    assert (by.get_group("referred_prompt")["delay_days"] == 0).all()
    assert (by.get_group("referred_late")["delay_days"] > 0).all()
    assert by.get_group("tricky_negative")["first_red_flag_date"].isna().all()
    assert by.get_group("missed")["delay_censored"].eq(1).all()


def test_negatives_have_only_asserted_or_uncertain_findings(cohort):
    _, mentions, patients = cohort
    category = mentions["patient_id"].map(patients.set_index("patient_id")["category"])
    present = present_mask(mentions)
    assert not (present & category.isin(["tricky_negative", "uncertain"]) & (mentions["label"] != "REFERRAL")).any()
    uncertain = mentions[category == "uncertain"]
    assert uncertain["uncertain"].sum() > 0
    tricky = mentions[category == "tricky_negative"]
    assert tricky[["negated", "historical", "hypothetical", "family"]].sum().gt(0).all()


def test_grades_fall_and_girth_grows_over_visits(cohort):
    """Deficits worsen: a patient's worst present grade never improves, atrophy appears late in the course."""
    _, mentions, patients = cohort
    present = mentions[present_mask(mentions) & (mentions["grade"] != "")].copy()
    present["rank"] = present["grade"].map(GRADES.index)
    worst = present.groupby(["patient_id", "note_date"])["rank"].max().reset_index()
    assert (worst.groupby("patient_id")["rank"].diff().dropna() >= 0).all()
    assert worst.groupby("patient_id")["rank"].agg(lambda r: r.iloc[-1] > r.iloc[0]).sum() > 10


def test_non_mentions_are_written_but_never_annotated(cohort):
    notes, mentions, _ = cohort
    text = "\n".join(notes["text"])
    for kind in ("generalized", "normal_exam"):
        phrases = vocab()["context"]["distractors"][kind]["phrases"]
        assert all("[" not in p for p in phrases)
    assert "generalized weakness" in text.lower() and "5/5" in text
    assert not mentions["text"].str.contains("generalized|5/5 throughout", case=False).any()


def test_copy_forward_ros_repeats_within_a_patient(cohort):
    notes, _, _ = cohort
    pc = notes[notes["note_type"].isin(["primary care", "ED"])]
    ros = pc["text"].str.extract(r"(?m)^(?:ROS|Review of systems): (.*)$")[0]
    per_patient = ros.groupby(pc["patient_id"]).nunique()
    counts = pc.groupby("patient_id").size()
    assert (per_patient[counts > 1] == 1).mean() > 0.9


def test_every_vocabulary_phrase_parses():
    """Brackets balance and every bracket has a label, in every JSON resource."""

    def strings(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, (dict, list)):
            for value in node.values() if isinstance(node, dict) else node:
                yield from strings(value)

    files = sorted(VOCAB_DIR.glob("*.json"))
    assert {p.stem for p in files} == {"nerves", "findings", "context", "notes", "typos"}
    n_phrases = 0
    for path in files:
        for s in strings(json.loads(path.read_text())):
            phrase = re.sub(r"\{[^{}]*\}", "x", s)
            b = NoteBuilder()
            b.add(phrase, "WEAKNESS")
            assert b.text == strip_brackets(phrase)
            n_phrases += bool(b.mentions)
    assert n_phrases > 200


def test_builder_records_nested_spans_and_rejects_bad_brackets():
    b = NoteBuilder()
    b.raw("Pt: ")
    b.add("[P:worsening [W:weakness]] and [N:tingling]", "", {"negated": 0}, {"side": "left", "site": "thigh"})
    assert b.text == "Pt: worsening weakness and tingling"
    got = {(m["label"], m["text"], m["side"]) for m in b.mentions}
    assert got == {("WEAKNESS", "weakness", "left"), ("PROGRESSION", "worsening weakness", ""), ("NUMBNESS", "tingling", "left")}
    with pytest.raises(ValueError):
        NoteBuilder().add("[W:weak", "")
    with pytest.raises(ValueError):
        NoteBuilder().add("[weak]", "")


@pytest.mark.parametrize("n", [0, -3])
def test_bad_patient_count(n, tmp_path, capsys):
    with pytest.raises(ValueError, match="at least 1"):
        generate_cohort(n, 1)
    assert main(["synth", "--patients", str(n), "-o", str(tmp_path / "c")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nerveflag synth: error:")
    assert not (tmp_path / "c").exists()


def test_bad_seed_and_non_integer_count(tmp_path, capsys):
    assert main(["synth", "--patients", "3", "--seed", "-1", "-o", str(tmp_path / "c")]) == 1
    assert "--seed must be 0 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["synth", "--patients", "many", "-o", str(tmp_path / "c")])
    assert exit_.value.code == 2


def test_extractor_scores_the_generated_text():
    """The extractor reads the generated notes; the vocabulary is wider than its rules, so recall is not perfect."""
    from nlp import extract_mentions
    from pipelines.evaluate.mentions import evaluate_mentions

    notes, mentions, _ = generate_cohort(20, 4)
    result = evaluate_mentions(mentions, extract_mentions(notes))["lenient"]["ALL (micro)"]
    assert result["f1"] >= 0.6
