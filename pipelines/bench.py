"""Throughput benchmark: our extraction beside out-of-the-box medspaCy, the tokenizer and a regex scan; and a memory benchmark.

`run_bench(texts, ...)` measures each path in its own forked process (so peak RSS is that
path's own) and returns a dict (documented in `RESULT_KEYS` / `ROW_KEYS`), with, beside the
N-process path, the machine's own ceiling for it (`reference_scaling`); `check_identity`
runs the full pipeline and the fast path on every note and reports the first difference.
`memory_bench(texts, sizes)` writes a notes CSV per size (texts cycled, unique ids, one
date), runs `python -m pipelines extract` on each in a child process and reports each
child's peak RSS (`MEMORY_KEYS` / `MEMORY_ROW_KEYS`), to show memory does not grow with input.
Note text never appears in the results: only counts, timings and note ids.
"""
from __future__ import annotations

import csv
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MTSAMPLES = SHARED / "data" / "mtsamples" / "mtsamples.csv"
#: Keys of the dict run_bench returns, and of each entry of its "results".
RESULT_KEYS = ("input", "notes", "megabytes", "processes", "baseline_limit", "results", "speedup_processes", "speedup_processes_by_run",
               "machine_speedup_processes", "machine_speedup_processes_by_run")
ROW_KEYS = ("name", "notes", "seconds", "notes_per_s", "mb_per_s", "cpu_seconds", "notes_per_cpu_s", "peak_rss_mb", "vs_medspacy", "mentions")
MEDSPACY = "medspacy_default"
#: Keys of the dict memory_bench returns, and of each entry of its "runs".
MEMORY_KEYS = ("input", "distinct_texts", "runs", "ratio")
MEMORY_ROW_KEYS = ("notes", "processes", "megabytes", "seconds", "peak_rss_mb")
MEMORY_SIZES = (5000, 50000)
MEMORY_DATE = "2024-01-01"
_RSS_SCALE = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
#: The reference work (reference_scaling): loop iterations in all, about a second of pure Python
#: in one process, and the pieces they are taken in.
REFERENCE_ITERATIONS = 16_000_000
REFERENCE_UNITS = 160


def mtsamples_texts(path: Path = MTSAMPLES) -> list[str]:
    """The distinct non-empty MTSamples transcriptions, in file order."""
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"no NOTES given and the default input {path} is absent (is ../shared present?)")
    frame = pd.read_csv(path, keep_default_na=False, usecols=["transcription"])
    return [t for t in frame["transcription"].drop_duplicates().tolist() if t.strip()]


def _peak_rss_mb() -> float:
    """Peak resident set size of this process and of its largest finished child, in MB."""
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return peak * _RSS_SCALE / 1e6


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _medspacy_baseline(sentencizer: bool) -> Callable[[str], int]:
    """Out-of-the-box medspaCy (PyRuSH, or spaCy's sentencizer) with our target rules; returns entity counts."""
    import medspacy
    from loguru import logger

    from nlp.rules import target_rules

    logger.remove()  # PyRuSH logs every sentence at DEBUG level
    nlp = medspacy.load()
    if sentencizer:
        nlp.replace_pipe("medspacy_pyrush", "sentencizer")
    nlp.get_pipe("medspacy_target_matcher").add(target_rules(nlp.tokenizer))
    return lambda text: len(nlp(text).ents)


def _tokenizer_alone() -> Callable[[str], int]:
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    return lambda text: len(tokenizer(text))


def _regex_scan() -> Callable[[str], int]:
    from nlp.anchors import anchor_regex
    from nlp.rules import target_rules
    from nlp.tokenizer import clinicalize
    import spacy

    regex = anchor_regex(clinicalize(spacy.blank("en")), target_rules())
    return lambda text: len(regex.findall(text))


def _ours(fast: bool) -> Callable[[str], int]:
    from nlp.extract import current_extractor

    current_extractor(fast)  # built untimed, as the other paths are
    return lambda text: len(current_extractor(fast)(text))  # as `extract` runs it


#: name -> (builder of a function text -> count, runs on the baseline sample only)
PATHS: dict[str, tuple[Callable[[], Callable[[str], int]], bool]] = {
    "regex_scan": (_regex_scan, False),
    "spacy_tokenizer": (_tokenizer_alone, False),
    MEDSPACY: (lambda: _medspacy_baseline(False), True),
    "medspacy_sentencizer": (lambda: _medspacy_baseline(True), True),
    "nerveflag_full": (lambda: _ours(False), True),
    "nerveflag_fast_1proc": (lambda: _ours(True), False),
}


def _measure(name: str, texts: list[str], processes: int) -> dict:
    """Build the path (untimed; for N processes, the pipeline and the started workers), then time
    it over `texts`; runs inside a child process."""
    if name == "nerveflag_fast_nproc":
        from nlp.extract import iter_note_mentions, worker_pool

        with worker_pool(processes) as pool:  # started untimed, as the other paths are built untimed
            start, cpu = time.perf_counter(), _cpu_seconds()
            mentions = sum(len(rows) for rows in iter_note_mentions(iter(texts), processes=processes, pool=pool))
            seconds = time.perf_counter() - start
    else:
        run = PATHS[name][0]()
        run(texts[0] if texts else "")
        start, cpu = time.perf_counter(), _cpu_seconds()
        mentions = sum(run(text) for text in texts)
        seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu  # after the pool closed: its workers' CPU time is counted once they are reaped
    return {"name": name, "notes": len(texts), "seconds": seconds, "cpu_seconds": round(cpu, 3), "mentions": mentions, "peak_rss_mb": round(_peak_rss_mb(), 1)}


def _child(conn, name: str, texts: list[str], processes: int) -> None:
    try:
        conn.send(_measure(name, texts, processes))
    except Exception as err:  # reported by the parent as that path's error
        conn.send({"name": name, "error": f"{type(err).__name__}: {err}"})
    conn.close()


def measure_in_child(name: str, texts: list[str], processes: int = 1) -> dict:
    """`_measure` in a forked child process, so its peak RSS is its own."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, name, texts, processes))
    proc.start()
    child.close()
    result = parent.recv()
    proc.join()
    if "error" in result:
        raise RuntimeError(f"bench path {name} failed: {result['error']}")
    return result


def _reference_unit(iterations: int) -> int:
    """A fixed piece of pure-Python work: CPU-bound, no I/O, nothing shared."""
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def _reference_worker(go, taken, units: int, iterations: int, conn) -> None:
    """Take units of work from the shared counter until none is left; send the finishing time."""
    go.wait()
    while True:
        with taken.get_lock():
            unit, taken.value = taken.value, taken.value + 1
        if unit >= units:
            break
        _reference_unit(iterations)
    conn.send(time.perf_counter())
    conn.close()


def reference_scaling(processes: int, iterations: int = REFERENCE_ITERATIONS, units: int = REFERENCE_UNITS) -> tuple[float, float]:
    """(seconds for one process, seconds for `processes` processes) to do the same pure-Python work,
    split in `units` pieces that the processes take from a shared counter as they go, as a pool's
    workers take chunks. Each process is forked fresh; the time runs from the start signal to the
    last one's finish.

    Their ratio is what the machine itself gives that many CPU-bound processes sharing work: the
    ceiling of any parallel path's speedup on it.
    """
    ctx = mp.get_context("fork")

    def seconds(workers: int) -> float:
        go, taken, pipes, procs = ctx.Event(), ctx.Value("i", 0), [], []
        for _ in range(workers):
            parent, child = ctx.Pipe(duplex=False)
            procs.append(ctx.Process(target=_reference_worker, args=(go, taken, units, iterations // units, child)))
            procs[-1].start()
            child.close()
            pipes.append(parent)
        start = time.perf_counter()  # CLOCK_MONOTONIC: comparable across the processes
        go.set()
        finished = max(pipe.recv() for pipe in pipes)
        for proc in procs:
            proc.join()
        return finished - start

    return seconds(1), seconds(processes)


def run_bench(texts: list[str], *, processes: int, baseline_limit: int = 200, input_name: str = "",
              paths: Iterable[str] | None = None, progress: Callable[[str], None] | None = None, repeat: int = 1) -> dict:
    """Measure every path (or those named in `paths`) and return the results dict (RESULT_KEYS).

    Each path runs `repeat` times, each in a fresh child process, the paths taking turns; the
    fastest run counts (as timeit does: slower runs measure other load on the machine, not the
    path). "speedup_processes_by_run" pairs the N-process and one-process runs of each turn. When
    the N-process path runs, each turn also measures the machine's own ceiling for it
    (reference_scaling): "machine_speedup_processes", fastest against fastest, and by run.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    names = list(paths) if paths is not None else [*PATHS, "nerveflag_fast_nproc"]
    sample = texts[:baseline_limit]
    runs: dict[str, list[dict]] = {name: [] for name in names}
    reference: list[tuple[float, float]] = []  # reference_scaling's (one process, N) seconds per turn
    for round_ in range(1, repeat + 1):  # round-robin, so a slow spell of the machine hits every path alike
        turn = f" (run {round_} of {repeat})" if repeat > 1 else ""
        for name in names:
            subset = sample if name in PATHS and PATHS[name][1] else texts
            if progress:
                progress(f"{name}: {len(subset)} notes{turn}")
            runs[name].append(measure_in_child(name, subset, processes if name == "nerveflag_fast_nproc" else 1))
        if "nerveflag_fast_nproc" in names and processes > 1:
            if progress:
                progress(f"the machine's own ceiling: the same Python work in 1 and in {processes} processes{turn}")
            reference.append(reference_scaling(processes))
    rows = []
    for name in names:
        row = min(runs[name], key=lambda r: r["seconds"])
        subset = sample if name in PATHS and PATHS[name][1] else texts
        megabytes = sum(len(t.encode("utf-8")) for t in subset) / 1e6
        seconds = max(row["seconds"], 1e-9)
        row.update(seconds=round(seconds, 3), notes_per_s=round(row["notes"] / seconds, 1), mb_per_s=round(megabytes / seconds, 3),
                   notes_per_cpu_s=round(row["notes"] / max(row["cpu_seconds"], 1e-9), 1))
        rows.append(row)
    base = next((r["notes_per_s"] for r in rows if r["name"] == MEDSPACY), None)
    for row in rows:
        row["vs_medspacy"] = round(row["notes_per_s"] / base, 1) if base else None
    by_name = {r["name"]: r for r in rows}
    one, many = by_name.get("nerveflag_fast_1proc"), by_name.get("nerveflag_fast_nproc")
    rounds = zip(runs.get("nerveflag_fast_1proc", ()), runs.get("nerveflag_fast_nproc", ()))
    return {
        "input": input_name,
        "notes": len(texts),
        "megabytes": round(sum(len(t.encode("utf-8")) for t in texts) / 1e6, 3),
        "processes": processes,
        "baseline_limit": len(sample),
        "results": [{k: r.get(k) for k in ROW_KEYS} for r in rows],
        "speedup_processes": round(many["notes_per_s"] / one["notes_per_s"], 2) if one and many else None,
        "speedup_processes_by_run": [round(a["seconds"] / max(b["seconds"], 1e-9), 2) for a, b in rounds],
        "machine_speedup_processes": round(min(a for a, _ in reference) / min(b for _, b in reference), 2) if reference else None,
        "machine_speedup_processes_by_run": [round(a / b, 2) for a, b in reference],
    }


def check_identity(note_ids: list[str], texts: list[str], processes: int = 1) -> dict:
    """Full pipeline vs fast path on every note: {"notes", "differing", "first_differing_note_id"}."""
    from nlp.extract import iter_note_mentions

    full = iter_note_mentions(iter(texts), fast=False, processes=processes)
    fast = iter_note_mentions(iter(texts), fast=True, processes=1)
    differing, first = 0, None
    for note_id, a, b in zip(note_ids, full, fast):
        if a != b:
            differing += 1
            first = note_id if first is None else first
    return {"notes": len(texts), "differing": differing, "first_differing_note_id": first}


def format_table(result: dict) -> str:
    """The results as an aligned text table with a header line."""
    lines = [
        f"input: {result['input']}  notes: {result['notes']}  MB: {result['megabytes']}  processes: {result['processes']}",
        f"(medspaCy baselines and the full pipeline on the first {result['baseline_limit']} notes; peak RSS per process; "
        "notes/CPU-s counts worker CPU time too, so it is robust to a busy machine)",
        f"{'path':<24}{'notes':>7}{'seconds':>9}{'notes/s':>10}{'MB/s':>8}{'notes/CPU-s':>13}{'peak RSS MB':>13}{'x medspaCy':>12}",
    ]
    for r in result["results"]:
        ratio = "" if r["vs_medspacy"] is None else f"{r['vs_medspacy']:.1f}"
        lines.append(f"{r['name']:<24}{r['notes']:>7}{r['seconds']:>9.2f}{r['notes_per_s']:>10.1f}{r['mb_per_s']:>8.2f}"
                     f"{r['notes_per_cpu_s']:>13.1f}{r['peak_rss_mb']:>13.0f}{ratio:>12}")
    if result["speedup_processes"] is not None:
        lines.append(f"{result['processes']} processes vs 1: " + _speedups(result["speedup_processes"], result["speedup_processes_by_run"]))
    if result.get("machine_speedup_processes") is not None:
        lines.append(f"machine ceiling, the same CPU-bound Python work shared by {result['processes']} processes vs 1: "
                     + _speedups(result["machine_speedup_processes"], result["machine_speedup_processes_by_run"]))
    return "\n".join(lines)


def _speedups(fastest: float, by_run: list[float]) -> str:
    text = f"{fastest:.2f}x (fastest runs)"
    if len(by_run) > 1:
        text += "; run by run: " + ", ".join(f"{x:.2f}x" for x in by_run) + f" (median {statistics.median(by_run):.2f}x)"
    return text


def cycled(texts: list[str], limit: int) -> Iterator[str]:
    """`limit` notes taken from `texts` in order, starting over as often as needed."""
    for i in range(limit):
        yield texts[i % len(texts)]


def write_memory_input(texts: list[str], notes: int, path: Path) -> None:
    """A notes CSV of `notes` rows cycled from `texts`: unique note_id and patient_id, one fixed date."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["note_id", "patient_id", "note_date", "text"])
        for i, text in enumerate(cycled(texts, notes)):
            writer.writerow([f"bench-{i}", f"bench-patient-{i}", MEMORY_DATE, text])


def extract_in_child(notes_csv: Path, output: Path, processes: int) -> dict:
    """`python -m pipelines extract` in a child process: {"seconds", "peak_rss_mb"} (the child with its workers, via wait4)."""
    cmd = [sys.executable, "-m", "pipelines", "extract", str(notes_csv), "-o", str(output), "--processes", str(processes)]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=Path(__file__).resolve().parents[1])
        _, status, usage = os.wait4(child.pid, 0)
        seconds, child.returncode = time.perf_counter() - start, os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 3):  # 3: some rows quarantined, still measured
            err.seek(0)
            last = (err.read().decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"extract on {notes_csv.name} exited {child.returncode}: {last}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss * _RSS_SCALE / 1e6, 1)}


def memory_bench(texts: list[str], sizes=MEMORY_SIZES, processes=(1,), input_name: str = "",
                 progress: Callable[[str], None] | None = None) -> dict:
    """Peak RSS of `extract` on inputs of each size (texts cycled), per process count; dict with MEMORY_KEYS.

    "ratio": {processes: peak RSS at the largest size / at the smallest}; flat memory is near 1.
    """
    if not texts:
        raise ValueError("no notes to measure")
    runs = []
    with tempfile.TemporaryDirectory(prefix="nerveflag-bench-") as tmp:
        for notes in sizes:
            path = Path(tmp) / f"notes_{notes}.csv"
            write_memory_input(texts, notes, path)
            for procs in processes:
                if progress:
                    progress(f"extract: {notes} notes, {procs} process(es)")
                row = extract_in_child(path, Path(tmp) / f"mentions_{notes}_{procs}.csv", procs)
                runs.append({"notes": notes, "processes": procs, "megabytes": round(path.stat().st_size / 1e6, 1), **row})
            path.unlink()
    by_key = {(r["notes"], r["processes"]): r["peak_rss_mb"] for r in runs}
    ratio = {str(p): round(by_key[max(sizes), p] / by_key[min(sizes), p], 2) for p in processes}
    return {"input": input_name, "distinct_texts": len(texts), "runs": [{k: r[k] for k in MEMORY_ROW_KEYS} for r in runs], "ratio": ratio}


def format_memory_table(result: dict) -> str:
    """The memory results as an aligned text table with a header line."""
    lines = [f"input: {result['input']}  distinct texts: {result['distinct_texts']}  (peak RSS of `nerveflag extract` per run)",
             f"{'notes':>8}{'processes':>11}{'input MB':>10}{'seconds':>9}{'peak RSS MB':>13}"]
    lines += [f"{r['notes']:>8}{r['processes']:>11}{r['megabytes']:>10.1f}{r['seconds']:>9.1f}{r['peak_rss_mb']:>13.0f}" for r in result["runs"]]
    lines += [f"largest / smallest, {p} process(es): {ratio:.2f}x" for p, ratio in result["ratio"].items()]
    return "\n".join(lines)
