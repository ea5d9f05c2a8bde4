"""`nerveflag extract NOTES -o MENTIONS`: the mentions table for a notes export.

Notes are read and validated in chunks and extracted as they come; mentions are appended
to a temporary file renamed into place at the end, so memory stays flat as input grows.
"""
from __future__ import annotations

import sys

from pipelines.cli import EXIT_OK, EXIT_QUARANTINED
from pipelines.cli.options import add_engine_options, add_note_input_options, default_processes, read_options, spark_columns
from pipelines.cli.progress import progress_bar


def add_parser(sub) -> None:
    p = sub.add_parser("extract", help="extract red-flag mentions from notes", description=__doc__)
    p.add_argument("notes", nargs="+", help="notes file(s): .csv, .parquet (file or directory), .jsonl, FHIR NDJSON, OMOP database")
    p.add_argument("-o", "--output", required=True, help="mentions file: .csv or .parquet")
    p.add_argument("--quarantine", help="write rejected input rows (with reasons) here (.csv or .parquet)")
    p.add_argument("--processes", type=int, default=default_processes(), help="worker processes (default: all cores)")
    p.add_argument("--full", action="store_true", help="run the full pipeline on whole notes instead of the fast path (same output, slower)")
    add_note_input_options(p)
    add_engine_options(p)
    p.set_defaults(func=run)


def run_spark(args) -> int:
    """Extraction on Spark: NOTES is a Parquet path or table; OUTPUT a Parquet directory."""
    from pipelines.engines import spark as engine

    with engine.managed_session(args.spark_master) as session:
        notes, quarantine = engine.read_notes(session, args.notes[0], spark_columns(args))
        engine.extract(notes).write.mode("overwrite").parquet(args.output)
        n_bad = quarantine.count()
        if args.quarantine:
            quarantine.write.mode("overwrite").parquet(args.quarantine)
    print(f"spark: {n_bad} quarantined; mentions -> {args.output}", file=sys.stderr)
    return EXIT_QUARANTINED if n_bad else EXIT_OK


def run(args) -> int:
    """Notes are read, extracted and written chunk by chunk; the quarantine (no text, small) is written at the end."""
    from nlp.extract import iter_extract
    from pipelines.io import ReadTally, TableWriter, iter_notes, write_table
    from pipelines.schemas import MENTIONS

    if args.engine == "spark":
        return run_spark(args)
    if not args.output.endswith((".csv", ".parquet")):
        raise ValueError(f"output must end in .csv or .parquet: {args.output}")
    tally = ReadTally()
    notes = (tally.add(chunk).notes for chunk in iter_notes(args.notes, **read_options(args)))
    with TableWriter(args.output, MENTIONS) as writer, progress_bar(None, "notes") as bar:
        for mentions in iter_extract(notes, fast=not args.full, processes=args.processes, progress=bar.update):
            writer.write(mentions)
    quarantine = tally.quarantine
    if args.quarantine:
        write_table(quarantine, args.quarantine)
    print(
        f"read {tally.n_read} rows: {tally.n_notes} notes, {len(quarantine)} quarantined; "
        f"{writer.rows} mentions -> {args.output}",
        file=sys.stderr,
    )
    for reason, count in quarantine["reason"].value_counts().items():
        print(f"  quarantined {count}: {reason}", file=sys.stderr)
    return EXIT_QUARANTINED if len(quarantine) else EXIT_OK
