"""Shared fixtures: the pipeline (built once per session) and the ../shared data folder."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def nlp():
    from nlp import build_pipeline

    return build_pipeline()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repo; tests needing it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def mtsamples(shared_dir):
    """Distinct MTSamples transcriptions (list of str)."""
    import pandas as pd

    path = shared_dir / "data" / "mtsamples" / "mtsamples.csv"
    if not path.is_file():
        pytest.skip("MTSamples not present")
    df = pd.read_csv(path, keep_default_na=False)
    return [t for t in df["transcription"].drop_duplicates().tolist() if t]
