"""`nerveflag run NOTES... --store STORE --out DIR`: the nightly job (read, extract, score, report).

Exit codes: 0 done; 3 done but some input rows were quarantined (see DIR/quarantine.csv);
1 fatal error (one line on stderr); 2 usage error.
"""
from __future__ import annotations

import json
import sys

from pipelines.cli import EXIT_OK, EXIT_QUARANTINED
from pipelines.cli.options import add_note_input_options, column_map, default_processes
from pipelines.cli.progress import progress_bar


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="the nightly job: extract, score, worklist, report, store", description=__doc__,
                       formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("notes", nargs="+", help="notes file(s) or Parquet directories")
    p.add_argument("--store", required=True, help="DuckDB store file (created if absent)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--model", help="risk model (.skops; default: the shipped model)")
    p.add_argument("--processes", type=int, default=default_processes(), help="worker processes (default: all cores)")
    p.add_argument("--batch-size", type=int, default=500, help="notes per committed batch")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON on stdout")
    add_note_input_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.run import run_job

    if args.batch_size < 1:
        raise ValueError("--batch-size must be at least 1")
    with progress_bar(None, "notes") as bar:
        summary = run_job(args.notes, args.store, args.out, fmt=args.fmt, columns=column_map(args) or None, query=args.query,
                          model_path=args.model, processes=args.processes, batch_size=args.batch_size, progress=bar.update)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"read {summary['read']}: processed {summary['processed']}, unchanged {summary['skipped_unchanged']}, "
              f"quarantined {summary['quarantined']}, duplicates {summary['duplicates_collapsed']}; "
              f"{summary['patients_rescored']} patients scored in {summary['total_s']:.1f} s", file=sys.stderr)
    print(f"report: {args.out.rstrip('/')}/report.html", file=sys.stderr)
    return EXIT_QUARANTINED if summary["quarantined"] else EXIT_OK
