"""Server memory per idle Socket.IO connection, at 1,000 and 10,000 connections.

    python benchmarks/idle_memory.py --clients 1000,10000

For each count: a fresh ``python wsgi.py`` (eventlet, one process, fresh SQLite database),
its RSS once started, then N clients connect (websocket transport, offering
permessage-deflate as browsers do, a valid token) and join one LIVE session, as an audience
does; after a settling pause the RSS again. Prints (RSS after - RSS before) / N. The clients
are the lean aiohttp ones of ``fanout.py``, spread over ``--workers`` processes. The open-file
limit is raised to its hard limit (the server inherits it); ``MAX_CONNECTIONS`` is set above N.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fanout  # noqa: E402

SETTLE_SECONDS = 5
RELAXED_LIMITS = {  # connection storms, not flood control, are measured here
    "RATELIMIT_DEFAULT": "1000000 per 15 minutes",
    "RATELIMIT_ROOM": "1000000 per 10 seconds",
    "SOCKET_EVENT_BUDGET": "1000000 per 5 seconds",
}


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def worker(url, session_id, tokens, ready, go_home):
    fanout.run_async(_hold(url, session_id, tokens, ready, go_home))


async def _hold(url, session_id, tokens, ready, go_home):
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        clients = [fanout.LeanClient(http, url, token) for token in tokens]
        gate = asyncio.Semaphore(50)
        failed = 0

        async def join(client):
            nonlocal failed
            async with gate:
                try:
                    await client.connect()
                    payload = {"sessionId": session_id}
                    answer = await client.call("join_session", payload, timeout=fanout.CONNECT_TIMEOUT)
                    if not answer["ok"]:
                        failed += 1
                except Exception:
                    failed += 1

        await asyncio.wait_for(asyncio.gather(*(join(c) for c in clients)), fanout.CONNECT_TIMEOUT * 3)
        ready.put((len(clients) - failed, failed))
        while go_home.empty():
            await asyncio.sleep(0.2)
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def measure(database_url: str, session_id: str, tokens: list[str], workers: int) -> dict:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = fanout.start_server(database_url, port, MAX_CONNECTIONS=str(len(tokens) + 100), **RELAXED_LIMITS)
    try:
        time.sleep(SETTLE_SECONDS)
        before = rss_kb(server.pid)
        ctx = mp.get_context("spawn")
        ready, go_home = ctx.Queue(), ctx.Queue()
        url = f"http://127.0.0.1:{port}"
        procs = [
            ctx.Process(target=worker, args=(url, session_id, tokens[w::workers], ready, go_home))
            for w in range(workers)
        ]
        t0 = time.perf_counter()
        for proc in procs:
            proc.start()
        results = [ready.get(timeout=fanout.CONNECT_TIMEOUT * 4) for _ in procs]
        connect_seconds = time.perf_counter() - t0
        time.sleep(SETTLE_SECONDS)
        after = rss_kb(server.pid)
        for _ in procs:
            go_home.put(True)
        for proc in procs:
            proc.join(timeout=60)
        connected = sum(ok for ok, _ in results)
        return {
            "connected": connected,
            "failed": sum(bad for _, bad in results),
            "connect_seconds": connect_seconds,
            "rss_before_kb": before,
            "rss_after_kb": after,
            "kb_per_connection": (after - before) / max(connected, 1),
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except Exception:
            server.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1000,10000", help="comma-separated connection counts")
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    counts = [int(n) for n in args.clients.split(",")]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < max(counts) + 200:
        print(f"warning: the open-file hard limit ({hard}) is below {max(counts)} connections", file=sys.stderr)
    workdir = tempfile.TemporaryDirectory(prefix="idle-memory-")
    try:
        database_url = args.database_url or "sqlite:///" + str(Path(workdir.name) / "idle.db")
        fanout.migrate(database_url)
        session_id, tokens, _ = fanout.prepare_data(database_url, fanout.SECRET, max(counts), 0)
        print("connections  failed  connect s  RSS before MB  RSS after MB  KB per connection")
        for n in counts:
            row = measure(database_url, session_id, tokens[:n], args.workers)
            print(
                f"{row['connected']:>11}  {row['failed']:>6}  {row['connect_seconds']:>9.1f}  "
                f"{row['rss_before_kb'] / 1024:>13.1f}  {row['rss_after_kb'] / 1024:>12.1f}  "
                f"{row['kb_per_connection']:>17.1f}",
                flush=True,
            )
    finally:
        workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
