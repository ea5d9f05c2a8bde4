import pytest


@pytest.mark.parametrize(
    "text, token",
    [
        ("quad 4-/5,", "4-/5"),
        ("HF (3+/5) L", "3+/5"),
        ("KE 4-5/5 on the L", "4-5/5"),
        ("disc at L4-5 and", "L4-5"),
        ("L5-S1 foraminal", "L5-S1"),
        ("c/o N/T in foot", "N/T"),
        ("c/o N/T in foot", "c/o"),
        ("w/ cane", "w/"),
        ("s/p TKA", "s/p"),
        ("EMG/NCS ordered", "EMG/NCS"),
        ("refer to PM&R", "PM&R"),
    ],
)
def test_clinical_shorthand_stays_one_token(nlp, text, token):
    assert token in [t.text for t in nlp.make_doc(text)]


def test_measurements_and_sides_split_normally(nlp):
    tokens = [t.text for t in nlp.make_doc("BLE 48cm vs 52 cm, LLE")]
    assert tokens == ["BLE", "48", "cm", "vs", "52", "cm", ",", "LLE"]
