"""Progress bars on long work: shown on a terminal, silent otherwise (cron, CI, pipes)."""
from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: int | None, unit: str) -> tqdm:
    """A tqdm bar on stderr, disabled when stderr is not a terminal; `total` None counts without a total (chunked input)."""
    return tqdm(total=total, unit=f" {unit}", file=sys.stderr, disable=not sys.stderr.isatty(), dynamic_ncols=True)
