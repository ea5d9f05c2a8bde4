"""brat standoff: exact round trip, file contents, bad input, and the CLI."""
import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.gold.brat import read_brat, write_brat
from pipelines.gold.markup import parse_markup
from pipelines.schemas import MENTIONS, NOTES, conform

MARKED = {
    ("p1", "n1", "2024-03-01", "PT"): 'L <WEAKNESS grade="4-" side="left" site="quadriceps">quad 4-/5</WEAKNESS>,\r\n'
    '<NUMBNESS negated="1">numbness</NUMBNESS> denied. ROS: Neuro neg for <WEAKNESS negated="1">weakness</WEAKNESS>.',
    ("p1", "n2", "2024-03-20", "ortho"): "Now <PROGRESSION>new <WEAKNESS side=\"right\">foot\ndrop</WEAKNESS></PROGRESSION>; "
    '<REFERRAL>EMG/NCS ordered</REFERRAL>. Mother: <WEAKNESS family="1" historical="1" uncertain="1">leg weakness</WEAKNESS> é',
    ("p2", "n3", "2024-01-05", ""): "Strength 5/5 throughout. No findings.",
}


def gold():
    notes, mentions = [], []
    for (pid, nid, date, kind), marked in MARKED.items():
        text, found = parse_markup(marked)
        notes.append({"patient_id": pid, "note_id": nid, "note_date": date, "text": text, "note_type": kind})
        for m in found:
            mentions.append({"note_id": nid, "patient_id": pid, "note_date": date, "section": "", "cues": "", **m})
    mentions[0]["section"] = "exam"
    mentions[1]["cues"] = "negated: 'denied' (following); section: ros"
    return conform(pd.DataFrame(notes), NOTES), conform(pd.DataFrame(mentions), MENTIONS)


def test_round_trip_is_exact(tmp_path):
    notes, mentions = gold()
    assert write_brat(notes, mentions, tmp_path) == {"notes": 3, "mentions": len(mentions)}
    notes2, mentions2 = read_brat(tmp_path)
    pd.testing.assert_frame_equal(notes2, notes)
    pd.testing.assert_frame_equal(mentions2, mentions)


def test_files_are_brat_standoff(tmp_path):
    notes, mentions = gold()
    write_brat(notes, mentions, tmp_path)
    ann = (tmp_path / "n1.ann").read_text().splitlines()
    assert ann[0] == "T1\tWEAKNESS 2 11\tquad 4-/5"
    assert "A1\tGrade T1 4-" in ann and "A2\tSide T1 left" in ann
    assert '#1\tAnnotatorNotes T1\t{"site": "quadriceps", "section": "exam"}' in ann
    assert any(line.startswith("A") and line.split("\t")[1] == "Negated T2" for line in ann)
    assert "foot drop" in (tmp_path / "n2.ann").read_text()  # newline inside a span is flattened in the T line
    assert (tmp_path / "n3.ann").read_text() == ""
    assert open(tmp_path / "n1.txt", newline="").read() == notes.loc[0, "text"]
    conf = (tmp_path / "annotation.conf").read_text()
    assert "[entities]\nATROPHY\n" in conf and "Side\tArg:<ENTITY>, Value:left|right|bilateral" in conf
    assert "text" not in pd.read_csv(tmp_path / "notes.csv").columns


def test_without_metadata_every_txt_is_a_note(tmp_path):
    (tmp_path / "b.txt").write_text("some numbness")
    (tmp_path / "b.ann").write_text("T1\tNUMBNESS 5 13\tnumbness\nA1\tUncertain T1\n")
    (tmp_path / "a.txt").write_text("nothing")
    notes, mentions = read_brat(tmp_path)
    assert notes["note_id"].tolist() == ["a", "b"] and notes["patient_id"].tolist() == ["", ""]
    assert mentions.loc[0, ["label", "start", "end", "uncertain", "negated"]].tolist() == ["NUMBNESS", 5, 13, 1, 0]


@pytest.mark.parametrize("ann, message", [
    ("T1\tWEAKNESS 0 3;5 9\tfoo bar\n", "discontinuous"),
    ("T1\tPAIN 0 3\tfoo\n", "unknown label"),
    ("T1\tWEAKNESS 0 99\tfoo\n", "outside the text"),
    ("T1\tWEAKNESS 0 3\tbar\n", "does not match"),
    ("A1\tNegated T7\n", "earlier T annotation"),
    ("T1\tWEAKNESS 0 3\tfoo\nA1\tSevere T1\n", "unknown attribute"),
    ("T1\tWEAKNESS 0 3\tfoo\n#1\tAnnotatorNotes T1\tjust words\n", "JSON object"),
    ("T1\tWEAKNESS 0 3\tfoo\nR1\tCause Arg1:T1 Arg2:T1\n", "unsupported annotation type"),
])
def test_bad_ann_is_a_clear_error_naming_file_and_line(tmp_path, ann, message):
    (tmp_path / "x.txt").write_text("foo bar baz")
    (tmp_path / "x.ann").write_text(ann)
    with pytest.raises(ValueError, match=message) as err:
        read_brat(tmp_path)
    assert "x.ann line" in str(err.value)


def test_write_rejects_bad_input(tmp_path):
    notes, mentions = gold()
    with pytest.raises(ValueError, match="safe file names"):
        write_brat(notes.assign(note_id=["../n1", "n2", "n3"]), mentions.iloc[0:0], tmp_path)
    with pytest.raises(ValueError, match="not in the notes"):
        write_brat(notes.iloc[2:], mentions, tmp_path)
    with pytest.raises(ValueError, match="does not match"):
        write_brat(notes, mentions.assign(end=mentions["end"] + 1), tmp_path / "o")
    with pytest.raises(ValueError, match="brat cannot declare"):
        write_brat(notes, mentions.assign(side="up"), tmp_path / "o2")
    with pytest.raises(FileNotFoundError):
        read_brat(tmp_path / "missing")


def test_cli_export_then_import(tmp_path, capsys):
    notes, mentions = gold()
    notes.to_csv(tmp_path / "n.csv", index=False)
    mentions.to_csv(tmp_path / "m.csv", index=False)
    assert main(["brat", "export", "--notes", str(tmp_path / "n.csv"), "--mentions", str(tmp_path / "m.csv"), "-o", str(tmp_path / "b")]) == 0
    assert main(["brat", "import", str(tmp_path / "b"), "-o", str(tmp_path / "back_")]) == 0
    back = pd.read_csv(tmp_path / "back_mentions.csv", dtype={"note_id": str}, keep_default_na=False)
    assert len(back) == len(mentions) and (back["text"] != "").all()
    assert pd.read_csv(tmp_path / "back_notes.csv")["note_id"].tolist() == ["n1", "n2", "n3"]
    assert main(["brat", "import", str(tmp_path / "nope"), "-o", str(tmp_path / "x_")]) == 1
    assert "no such directory" in capsys.readouterr().err
