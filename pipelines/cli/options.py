"""Options shared by subcommands that read notes: input format and column mapping."""
from __future__ import annotations

import argparse

NOTE_COLUMNS = ("patient_id", "note_id", "note_date", "text", "note_type")


def add_note_input_options(parser: argparse.ArgumentParser) -> None:
    """--format, --query, one --<column>-col option per NOTES column, --fixed-date and --chunk-rows."""
    parser.add_argument("--format", dest="fmt", choices=["csv", "parquet", "jsonl", "fhir", "omop"], help="input format (default: from the file extension)")
    parser.add_argument("--query", help="SQL selecting notes from an OMOP database file (default: SELECT * FROM note)")
    for column in NOTE_COLUMNS:
        parser.add_argument(f"--{column.replace('_', '-')}-col", dest=f"{column}_col", metavar="NAME", help=f"input column holding {column}")
    parser.add_argument("--fixed-date", metavar="YYYY-MM-DD", help="use this date for every note (for exports without dates, e.g. MTSamples)")
    parser.add_argument("--chunk-rows", type=int, metavar="N", help="read and validate input rows N at a time (default 2000; memory grows with N, not with the input)")


def column_map(args: argparse.Namespace) -> dict[str, str]:
    """{our column: input column} from the --*-col options given."""
    return {c: getattr(args, f"{c}_col") for c in NOTE_COLUMNS if getattr(args, f"{c}_col", None)}


def read_options(args: argparse.Namespace) -> dict:
    """Keyword arguments for pipelines.io.iter_notes / read_notes from the note input options."""
    chunk = {"chunk_rows": args.chunk_rows} if getattr(args, "chunk_rows", None) is not None else {}
    return {"fmt": args.fmt, "columns": column_map(args) or None, "query": args.query, "fixed_date": args.fixed_date, **chunk}


def default_processes() -> int:
    import os

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """--engine local|spark and --spark-master."""
    parser.add_argument("--engine", choices=["local", "spark"], default="local",
                        help="local (default, embedded) or spark (needs nerveflag[spark]; notes as a Parquet path or table; outputs are Parquet directories)")
    parser.add_argument("--spark-master", default="local[*]", help="Spark master URL (default: local[*]); under spark-submit the cluster's is used")


def spark_columns(args: argparse.Namespace) -> dict | None:
    """Column mapping for the Spark engine (which takes no --fixed-date or --query)."""
    if getattr(args, "fixed_date", None) or getattr(args, "query", None):
        raise ValueError("--fixed-date and --query are for the local engine; add the column to the Parquet input instead")
    return column_map(args) or None
