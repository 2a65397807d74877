"""Usage ledger: write 1M rows (the writer's own batches) into a temp file, then time reports.

    .venv/bin/python benchmarks/bench_usage.py [--rows 1000000] [--days 90]

The rows are spread over ``--days`` like a heavy user's: a few sessions at a time, each in one
project, two thirds on the main route, the rest background requests; 2 % with an unknown cost.
Prints the write rate, the file size, and each report's time (best of 3).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ccrouter.usage.record import TriedModel, UsageRow
from ccrouter.usage.report import GROUP_BYS, parse_since, usage_report
from ccrouter.usage.schema import connect
from ccrouter.usage.store import insert_batch

MODELS = {
    "default": ("openrouter,deepseek/deepseek-chat", "openrouter,moonshotai/kimi-k2"),
    "background": ("openrouter,google/gemini-2.5-flash",),
    "think": ("openrouter,deepseek/deepseek-r1",),
    "longContext": ("openrouter,google/gemini-2.5-pro",),
}
ROUTES = ("default",) * 6 + ("background",) * 3 + ("think", "longContext")


def rows(count: int, days: int, now: float, seed: int = 1) -> Iterator[UsageRow]:
    rng = random.Random(seed)
    start = now - days * 86400
    step = days * 86400 / count
    for i in range(count):
        at = start + i * step
        window = int(at // 10800)  # three sessions at a time, three hours each
        session = f"{window:06d}-{rng.randrange(3)}"
        route = rng.choice(ROUTES)
        models = MODELS[route]
        model = rng.choice(models)
        fell_back = rng.random() < 0.03
        tried = (TriedModel("openrouter,x/y", "429"),) if fell_back else ()
        known = rng.random() >= 0.02
        yield UsageRow(
            at=at,
            request_id=f"req_{i:016x}",
            route=route,
            model=model,
            status="ok" if rng.random() < 0.98 else "error 502",
            session_id=session,
            project=f"~/code/project-{hash(session) % 20}",
            tried=(*tried, TriedModel(model, "ok")),
            stop_reason="end_turn",
            input_tokens=rng.randrange(200, 4000),
            output_tokens=rng.randrange(10, 2000),
            cache_read_tokens=rng.randrange(0, 60000),
            cache_write_tokens=rng.randrange(0, 3000),
            cost_usd=rng.random() / 50 if known else None,
            cost_source="reported" if known else "unknown",
            latency_ms=rng.lognormvariate(8, 0.8),
            ttft_ms=rng.lognormvariate(6.5, 0.6),
            stream=True,
        )


def build(path: Path, count: int, days: int, now: float) -> float:
    conn = connect(path)
    started = time.perf_counter()
    batch: list[UsageRow] = []
    for row in rows(count, days, now):
        batch.append(row)
        if len(batch) == 500:
            insert_batch(conn, batch)
            batch = []
    insert_batch(conn, batch)
    conn.close()
    return time.perf_counter() - started


def best_of(runs: int, since: float, by: str, path: Path) -> tuple[float, int]:
    times, groups = [], 0
    for _ in range(runs):
        conn = connect(path)
        started = time.perf_counter()
        report = usage_report(conn, since, by)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
        groups = len(report["groups"])
        conn.close()
    return min(times), groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    now = time.time()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "usage.db"
        seconds = build(path, args.rows, args.days, now)
        conn = connect(path)
        rollup = conn.execute("SELECT COUNT(*) FROM rollup").fetchone()[0]
        conn.close()
        size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20
        print(
            f"wrote {args.rows:,} rows in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s); "
            f"{size:.0f} MiB; {rollup:,} rollup rows"
        )
        for since_text in ("all", "7d", "24h"):
            since = parse_since(since_text, now)
            for by in GROUP_BYS:
                took, groups = best_of(3, since, by, path)
                print(
                    f"--since {since_text:<4} --by {by:<8} {took * 1000:7.1f} ms  {groups} groups"
                )


if __name__ == "__main__":
    main()
