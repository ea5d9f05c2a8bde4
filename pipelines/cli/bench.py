"""`nerveflag bench [NOTES]`: throughput of our extraction beside out-of-the-box medspaCy (a benchmark, not a test).

With --memory: peak RSS of `nerveflag extract` on generated inputs of --memory-sizes notes
(NOTES' texts, or the distinct MTSamples transcriptions, cycled), each run in a child process.
"""
from __future__ import annotations

import json
import sys

from pipelines.cli import EXIT_FATAL, EXIT_OK
from pipelines.cli.options import add_note_input_options, column_map, default_processes


def add_parser(sub) -> None:
    from pipelines.bench import MEMORY_SIZES, PATHS

    p = sub.add_parser("bench", help="measure extraction throughput against medspaCy baselines", description=__doc__)
    p.add_argument("notes", nargs="?", help="notes file (any `extract` input; default: the distinct MTSamples transcriptions in ../shared)")
    p.add_argument("--limit", type=int, help="use this many notes (the input is cycled when it holds fewer)")
    p.add_argument("--processes", type=int, default=default_processes(), help="worker processes for the parallel run (default: all cores)")
    p.add_argument("--baseline-limit", type=int, default=200, help="notes for the slow paths: medspaCy baselines and our full pipeline (default 200)")
    p.add_argument("--paths", nargs="+", choices=[*PATHS, "nerveflag_fast_nproc"], help="measure only these paths")
    p.add_argument("--repeat", type=int, default=1, metavar="N", help="run each path N times, each in a fresh process, and keep the fastest (default 1)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--check", action="store_true", help="also run the full pipeline and the fast path on every note; exit 1 on any difference")
    p.add_argument("--memory", action="store_true", help="measure peak RSS of `extract` at each --memory-sizes instead of throughput")
    p.add_argument("--memory-sizes", type=int, nargs="+", default=list(MEMORY_SIZES), metavar="N",
                   help=f"notes per memory run (default: {' '.join(map(str, MEMORY_SIZES))})")
    p.add_argument("--memory-processes", type=int, nargs="+", default=[1], metavar="P", help="--processes of each memory run (default: 1)")
    add_note_input_options(p)
    p.set_defaults(func=run)


def _load(args) -> tuple[str, list[str], list[str]]:
    """(input name, note ids, texts)."""
    from pipelines.bench import MTSAMPLES, cycled, mtsamples_texts

    if args.notes:
        from pipelines.io import read_notes

        notes = read_notes(args.notes, fmt=args.fmt, columns=column_map(args) or None, query=args.query).notes
        name, ids, texts = args.notes, [str(i) for i in notes["note_id"]], [str(t) for t in notes["text"]]
    else:
        texts = mtsamples_texts()
        name, ids = str(MTSAMPLES), [f"mtsamples-{i}" for i in range(len(texts))]
    if not texts:
        raise ValueError("no notes to measure")
    if args.limit is not None:
        if args.limit < 1:
            raise ValueError("--limit must be at least 1")
        ids = [f"{ids[i % len(ids)]}#{i // len(ids)}" if i >= len(ids) else ids[i] for i in range(args.limit)]
        texts = list(cycled(texts, args.limit))
    return name, ids, texts


def run_memory(args, name: str, texts: list[str], log) -> int:
    """The memory benchmark: peak RSS of `extract` per size and process count."""
    from pipelines.bench import format_memory_table, memory_bench

    if min(args.memory_sizes) < 1 or min(args.memory_processes) < 1:
        raise ValueError("--memory-sizes and --memory-processes must be at least 1")
    result = memory_bench(texts, args.memory_sizes, args.memory_processes, input_name=name, progress=log)
    print(json.dumps(result, indent=2) if args.json else format_memory_table(result))
    return EXIT_OK


def run(args) -> int:
    from pipelines.bench import check_identity, format_table, run_bench

    if min(args.processes, args.baseline_limit, args.repeat) < 1:
        raise ValueError("--processes, --baseline-limit and --repeat must be at least 1")
    name, ids, texts = _load(args)
    log = None if args.json else (lambda msg: print(f"measuring {msg}", file=sys.stderr))
    if args.memory:
        return run_memory(args, name, texts, log)
    result = run_bench(texts, processes=args.processes, baseline_limit=args.baseline_limit, input_name=name, paths=args.paths,
                       progress=log, repeat=args.repeat)
    if args.check:
        result["check"] = check_identity(ids, texts, processes=args.processes)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    if args.check:
        check = result["check"]
        if check["differing"]:
            print(f"check: {check['differing']} of {check['notes']} notes differ between the full pipeline and the fast path; "
                  f"first: note_id {check['first_differing_note_id']}", file=sys.stderr)
            return EXIT_FATAL
        if not args.json:
            print(f"check: fast path identical to the full pipeline on all {check['notes']} notes", file=sys.stderr)
    return EXIT_OK
