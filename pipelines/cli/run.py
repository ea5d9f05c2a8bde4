"""`nerveflag run NOTES... --store STORE --out DIR`: the nightly job (read, extract, score, report).

Only new or changed notes are processed; patients with new or changed notes are re-scored.
Notes are read in chunks (--chunk-rows), each planned against the store and extracted in
committed batches (--batch-size), so reading does not grow with the input.
Outputs in DIR: worklist.csv, report.html, note_nlp.parquet/.csv, patients.parquet,
mentions.parquet, quarantine.csv. With --json the run summary (counts, timings per stage,
notes/s) is printed on stdout.

With --engine spark the same extraction and scoring run on Spark (notes: a Parquet path or
a table); mentions/, patients/ and quarantine/ are written to DIR as Parquet directories
with the local schemas; the store is not used (Spark sites keep results in their lake).

Exit codes: 0 done; 3 done, but some input rows were quarantined (see DIR/quarantine.csv);
1 fatal error (one line on stderr); 2 usage error.
"""
from __future__ import annotations

import argparse
import json
import sys

from pipelines.cli import EXIT_OK, EXIT_QUARANTINED, CLIError
from pipelines.cli.options import add_engine_options, add_note_input_options, default_processes, read_options, spark_columns
from pipelines.cli.progress import progress_bar


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="the nightly job: extract, score, worklist, report, store", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("notes", nargs="+", help="notes file(s): .csv, .parquet (file or directory), .jsonl, FHIR NDJSON, OMOP database")
    p.add_argument("--store", required=True, help="DuckDB store file (created if absent)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--model", help="risk model (.skops; default: the shipped model)")
    p.add_argument("--processes", type=int, default=default_processes(), help="worker processes (default: all cores)")
    p.add_argument("--batch-size", type=int, default=500, help="notes per committed batch (default: 500)")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON on stdout")
    add_note_input_options(p)
    add_engine_options(p)
    p.set_defaults(func=run)


def run_spark(args) -> int:
    """The job on Spark: Parquet directories of mentions, patients and quarantine in --out."""
    from pipelines.engines import spark as engine

    with engine.managed_session(args.spark_master) as session:
        counts = engine.run(session, args.notes[0], args.out, spark_columns(args), args.model)
    print(json.dumps(counts, indent=2) if args.json else f"spark: {counts}", file=sys.stdout if args.json else sys.stderr)
    return EXIT_QUARANTINED if counts["quarantined"] else EXIT_OK


def run(args) -> int:
    if args.engine == "spark":
        return run_spark(args)
    import duckdb

    from pipelines.run import run_job

    try:
        summary = run_job(args.notes, args.store, args.out, read_options=read_options(args),
                          model_path=args.model, processes=max(1, args.processes), batch_size=args.batch_size, progress=progress_bar)
    except duckdb.Error as err:
        raise CLIError(f"store {args.store}: {str(err).splitlines()[0]}") from None
    counts = summary["counts"]
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"read {counts['read']}: processed {counts['processed']}, unchanged {counts['skipped_unchanged']}, "
              f"quarantined {counts['quarantined']}, duplicates collapsed {counts['duplicates_collapsed']}; "
              f"{counts['patients_rescored']} patients scored, {counts['needs_referral']} need referral; "
              f"{summary['notes_per_s']} notes/s, {summary['timings_s']['total']:.1f} s", file=sys.stderr)
    print(f"report: {summary['outputs']['report.html']}", file=sys.stderr)
    return EXIT_QUARANTINED if counts["quarantined"] else EXIT_OK
