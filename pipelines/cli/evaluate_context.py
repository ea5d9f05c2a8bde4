"""`nerveflag evaluate context CORPUS.tsv`: our ConText vs out-of-the-box medspaCy on the NegEx/ConText corpus."""
from __future__ import annotations

import json

from pipelines.evaluate.metrics import format_table


def add_parser(sub) -> None:
    p = sub.add_parser("context", help="assertion F1 on the NegEx/ConText corpus", description=__doc__)
    p.add_argument("corpus", help="context_annotations.tsv (shared/data/negex)")
    p.add_argument("--ours-only", action="store_true", help="skip the out-of-the-box medspaCy baseline")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.evaluate.context import evaluate_context

    systems = ("nerveflag",) if args.ours_only else ("nerveflag", "medspacy")
    result = evaluate_context(args.corpus, systems)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"rows scored: {result['rows']}; skipped (concept not in sentence): {result['skipped']}")
    rows = {f"{attr} ({system})": result[system][attr] for attr in result[systems[0]] for system in systems}
    print(format_table(rows, title="attribute (system)"))
    return 0
