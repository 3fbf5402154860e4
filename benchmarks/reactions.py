"""Reactions benchmark: N clients in one session, each reacting R times per second for T seconds.

    python benchmarks/reactions.py --clients 1000 --rate 2 --seconds 10

Starts its own ``python wsgi.py`` (eventlet, one process) on a fresh SQLite database
(``--database-url`` for another one), with the data preparation, lean Socket.IO clients and CPU
pinning of ``benchmarks/fanout.py``. Every client joins the session (so it also hears the
broadcasts) and sends ``send_reaction`` at its rate, with a random phase. Prints reactions/s
accepted (acknowledged ``{accepted: true}``), refusals by code, ``reactions`` broadcasts/s per
room and delivered to all clients, whether the batches one client heard add up to what was
accepted, and whether the durable totals (``GET /api/sessions/:id/reactions``) match.
Loopback only; every phase is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fanout import (  # noqa: E402
    CONNECT_TIMEOUT,
    SECRET,
    LeanClient,
    cpu_seconds,
    migrate,
    prepare_data,
    run_async,
    split_cpus,
    start_server,
)

KINDS = ("like", "heart", "fire", "clap")
SETTLE_SECONDS = 3  # totals are exact within 3 s of the last reaction


def worker(url, session_id, tokens, rate, seconds, ready, go, results):
    run_async(_react(url, session_id, tokens, rate, seconds, ready, go, results))


async def _react(url, session_id, tokens, rate, seconds, ready, go, results):
    import aiohttp

    accepted: Counter = Counter()
    refused: Counter = Counter()
    heard = [0] * len(tokens)  # reactions events per client
    heard_counts = [Counter() for _ in tokens]

    def handler(index):
        def on_event(data: str):
            if data.startswith('42["reactions"'):
                heard[index] += 1
                heard_counts[index].update(json.loads(data[2:])[1]["counts"])

        return on_event

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        clients = [LeanClient(http, url, token, handler(i)) for i, token in enumerate(tokens)]
        gate = asyncio.Semaphore(25)

        async def join(client):
            async with gate:
                await client.connect()
                answer = await client.call("join_session", {"sessionId": session_id}, timeout=CONNECT_TIMEOUT)
                assert answer["ok"], answer

        await asyncio.wait_for(asyncio.gather(*(join(c) for c in clients)), CONNECT_TIMEOUT)
        ready.put(len(clients))
        start_at = await asyncio.get_running_loop().run_in_executor(None, go.get)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        interval = 1 / rate

        async def one(client, kind):
            try:
                answer = await client.call("send_reaction", {"sessionId": session_id, "type": kind}, timeout=60)
            except TimeoutError:
                refused["timeout"] += 1
                return
            if answer["ok"]:
                accepted[kind] += 1
            else:
                refused[answer["error"]["code"]] += 1

        async def run(client):
            pending = []
            t0 = time.perf_counter() + random.random() * interval  # noqa: S311
            for n in range(int(rate * seconds)):
                delay = t0 + n * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(asyncio.create_task(one(client, random.choice(KINDS))))  # noqa: S311
            await asyncio.gather(*pending)

        began = time.perf_counter()
        await asyncio.gather(*(run(c) for c in clients))
        elapsed = time.perf_counter() - began
        await asyncio.sleep(SETTLE_SECONDS)  # the last batch is on its way
        results.put(
            {
                "accepted": dict(accepted),
                "refused": dict(refused),
                "elapsed": elapsed,
                "heard": heard,
                "heard_counts": [dict(c) for c in heard_counts],
            }
        )
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def totals(url: str, token: str, session_id: str) -> dict:
    import requests

    response = requests.get(
        f"{url}/api/sessions/{session_id}/reactions", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    response.raise_for_status()
    return response.json()["totals"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="reacting clients in the session (default 1000)")
    parser.add_argument("--rate", type=float, default=2, help="reactions per second per client (default 2)")
    parser.add_argument("--seconds", type=float, default=10, help="how long to react (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--database-url", help="the server's DATABASE_URL (default: a fresh SQLite file)")
    parser.add_argument("--no-pin", action="store_true", help="do not give the server a CPU of its own")
    args = parser.parse_args()
    server_cpus, client_cpus = split_cpus(not args.no_pin)

    import os
    import socket

    workdir = tempfile.TemporaryDirectory(prefix="reactions-")
    server = None
    try:
        database_url = args.database_url or "sqlite:///" + str(Path(workdir.name) / "reactions.db")
        migrate(database_url)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        session_id, tokens, _ = prepare_data(database_url, SECRET, args.clients, 0)
        server = start_server(database_url, port, server_cpus)
        if client_cpus:
            os.sched_setaffinity(0, client_cpus)
            print(f"server pinned to CPU {sorted(server_cpus)}, clients to CPU {sorted(client_cpus)}")
        print(f"{args.clients} clients x {args.rate:g} reactions/s for {args.seconds:g} s -> {url}", flush=True)

        ctx = mp.get_context("spawn")
        ready, go, results = ctx.Queue(), ctx.Queue(), ctx.Queue()
        workers = []
        for w in range(args.workers):
            part = tokens[w :: args.workers]
            process = ctx.Process(
                target=worker, args=(url, session_id, part, args.rate, args.seconds, ready, go, results)
            )
            process.start()
            workers.append(process)
        connected = sum(ready.get(timeout=CONNECT_TIMEOUT * 2) for _ in workers)
        print(f"connected and joined: {connected}", flush=True)
        cpu_start = cpu_seconds(server.pid)
        start_at = time.time() + 1
        for _ in workers:
            go.put(start_at)
        reports = [results.get(timeout=args.seconds * 10 + CONNECT_TIMEOUT) for _ in workers]
        cpu_end = cpu_seconds(server.pid)
        for process in workers:
            process.join(timeout=30)

        accepted: Counter = Counter()
        refused: Counter = Counter()
        for report in reports:
            accepted.update(report["accepted"])
            refused.update(report["refused"])
        elapsed = max(report["elapsed"] for report in reports)
        heard = [n for report in reports for n in report["heard"]]
        heard_counts = [c for report in reports for c in report["heard_counts"]]
        total_accepted = sum(accepted.values())
        wall = elapsed + SETTLE_SECONDS
        print(f"sent: {int(args.clients * args.rate * args.seconds)} in {elapsed:.1f} s")
        refusals = dict(refused) or "none"
        print(f"accepted: {total_accepted} ({total_accepted / elapsed:.0f} reactions/s); refused: {refusals}")
        if refused.get("timeout"):
            print("  (a timed-out reaction may still have been accepted by the overloaded server: totals can exceed)")
        per_room = max(heard) if heard else 0
        print(
            f"reactions broadcasts: {per_room} to the room ({per_room / wall:.2f}/s per room), "
            f"{sum(heard)} delivered ({sum(heard) / wall:.0f}/s over all clients)"
        )
        complete = sum(1 for c in heard_counts if Counter(c) == accepted)
        print(f"clients whose batches add up to every accepted reaction: {complete} of {len(heard_counts)}")
        durable = totals(url, tokens[0], session_id)
        print(f"durable totals: {durable} -> {'match' if Counter(durable) == accepted else 'MISMATCH'}")
        if cpu_start is not None and cpu_end is not None:
            used = cpu_end - cpu_start
            print(f"server CPU: {used:.1f} s over {wall:.1f} s ({100 * used / wall:.0f}%)")
        return 0 if Counter(durable) == accepted else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        workdir.cleanup()


if __name__ == "__main__":
    sys.exit(main())
