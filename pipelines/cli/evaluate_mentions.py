"""`nerveflag evaluate mentions --gold G --notes N [--pred P]`: per-label and per-attribute F1."""
from __future__ import annotations

import json

from pipelines.cli.tables import read_table
from pipelines.evaluate.metrics import format_table


def add_parser(sub) -> None:
    p = sub.add_parser("mentions", help="mention-level P/R/F1 against gold", description=__doc__)
    p.add_argument("--gold", required=True, help="gold mentions (MENTIONS schema)")
    p.add_argument("--notes", required=True, help="the notes the gold was written on")
    p.add_argument("--pred", help="predicted mentions (default: run the extractor on --notes)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.evaluate.mentions import evaluate_mentions
    from pipelines.io import read_notes

    gold = read_table(args.gold)
    if args.pred:
        pred = read_table(args.pred)
    else:
        from nlp import extract_mentions

        pred = extract_mentions(read_notes(args.notes).notes, processes=1)
    result = evaluate_mentions(gold, pred)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(format_table(result["strict"], title="strict (exact span)"))
    print()
    print(format_table(result["lenient"], title="lenient (overlap)"))
    print()
    print(format_table(result["attributes"], title="attribute (on lenient pairs)"))
    print(f"\ngrade accuracy {result['grade_accuracy']:.3f} on {result['grade_n']} graded WEAKNESS pairs")
    return 0
