"""extract_mentions / iter_extract: same mentions for 1 or 2 processes, streaming batches, bad input."""
from __future__ import annotations

import pandas as pd
import pytest

from nlp.extract import extract_mentions, iter_extract
from pipelines.schemas import MENTIONS

TEXTS = [
    "L quad 4+/5. Numbness anterior thigh.",
    "",
    "quad 2/5, can't climb stairs. Continue PT.",
    "Strength 5/5. Denies numbness.",
    "Routine visit.",
    "Progressive weakness of the right leg; referred for EMG.",
] * 4


def _notes(texts):
    n = len(texts)
    return pd.DataFrame({
        "patient_id": [f"p{i % 3}" for i in range(n)], "note_id": [f"n{i}" for i in range(n)],
        "note_date": pd.to_datetime(["2024-01-01"] * n), "text": texts,
    })


@pytest.fixture(scope="module")
def one_process():
    return extract_mentions(_notes(TEXTS))


def test_mentions_have_the_schema_columns(one_process):
    assert list(one_process.columns) == list(MENTIONS)
    assert len(one_process) > 0 and set(one_process["note_id"]) <= {f"n{i}" for i in range(len(TEXTS))}


def test_two_processes_same_as_one(one_process):
    assert extract_mentions(_notes(TEXTS), processes=2, batch_size=3).equals(one_process)


def test_a_pool_kept_open_serves_several_calls_in_order():
    from nlp.extract import iter_note_mentions, shared_extractor, worker_pool

    extract = shared_extractor(True)
    with worker_pool(2) as pool:
        for texts in (TEXTS, TEXTS[::-1]):
            assert list(iter_note_mentions(iter(texts), processes=2, batch_size=4, pool=pool)) == [extract(t) for t in texts]


def test_extractors_are_warmed_up_when_made(monkeypatch):
    from nlp import extract as module

    seen = []
    monkeypatch.setattr("nlp.fastpath.FastExtractor.__call__", lambda self, text: seen.append(text) or [])
    module.make_extractor(True)
    assert seen == [module.WARM_UP_NOTE]


def test_fast_same_as_full(one_process):
    assert extract_mentions(_notes(TEXTS), fast=False).equals(one_process)


@pytest.mark.parametrize("processes", [1, 2])
def test_iter_extract_streams_batches_in_order(one_process, processes):
    notes = _notes(TEXTS)
    batches = [notes.iloc[:0], notes.iloc[:5], notes.iloc[5:5], notes.iloc[5:], notes.iloc[:0]]
    seen = []

    def lazy():
        for batch in batches:
            seen.append(len(batch))
            yield batch

    out = list(iter_extract(lazy(), processes=processes, batch_size=2))
    assert len(out) == len(batches) and seen == [len(b) for b in batches]
    assert len(out[0]) == 0 and len(out[2]) == 0 and len(out[4]) == 0
    assert pd.concat(out, ignore_index=True).equals(one_process)


def test_progress_counts_every_note():
    calls = []
    extract_mentions(_notes(TEXTS[:6]), progress=calls.append)
    assert sum(calls) == 6


def test_missing_column_is_a_clear_error():
    with pytest.raises(ValueError, match="missing column"):
        extract_mentions(pd.DataFrame({"text": ["x"]}))


def test_empty_notes_table_gives_empty_mentions():
    out = extract_mentions(_notes([]))
    assert len(out) == 0 and "label" in out.columns


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 40])
def test_chunks_keep_every_text_in_order_and_taper_at_the_end(n):
    from nlp.extract import _chunks

    texts = [f"t{i}" for i in range(n)]
    chunks = list(_chunks(iter(texts), 8, 2))
    assert [t for c in chunks for t in c] == texts
    full = [c for c in chunks if len(c) == 8]
    assert chunks[:len(full)] == full  # full chunks first, then the tail
    assert all(len(c) <= 2 for c in chunks[len(full):])
    assert sum(len(c) for c in chunks[len(full):]) == (n if n < 16 else 8 + n % 8)


def test_the_shared_extractor_is_kept_out_of_the_collectors_reach():
    import gc

    from nlp.extract import shared_extractor

    extract = shared_extractor(True)
    assert gc.get_freeze_count() > 100_000  # the pipeline's objects, frozen once it is built
    assert extract(TEXTS[0])  # and it still works


NOVEL = [f"L quad 4-/5 at visits {' '.join(f'v{i}x{k}' for k in range(12))}. Numbness to the knee." for i in range(4)]


@pytest.mark.parametrize("processes", [1, 2])
def test_an_extractor_grown_past_the_vocabulary_limit_is_replaced_with_the_same_mentions(monkeypatch, processes):
    from nlp import extract as module

    expected = [module.shared_extractor(True)(t) for t in NOVEL]
    monkeypatch.setattr(module, "VOCAB_GROWTH_LIMIT", 20)  # about two notes' new words
    before = module.shared_extractor(True)
    rows = list(module.iter_note_mentions(iter(NOVEL), processes=processes, batch_size=1))
    assert rows == expected and all(rows)
    if processes == 1:
        after = module.shared_extractor(True)
        assert after is not before  # replaced in this process
        assert len(after.nlp.vocab) - module._VOCAB_AT_BUILD[True] <= 2 * 20


def test_an_extractor_within_the_vocabulary_limit_is_kept():
    from nlp.extract import current_extractor, shared_extractor

    extract = shared_extractor(True)
    extract(NOVEL[0])
    assert current_extractor(True) is extract
