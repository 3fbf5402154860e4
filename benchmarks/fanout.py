"""Chat fan-out benchmark: N listeners in one session, R messages/s from other clients for T seconds.

    python benchmarks/fanout.py --clients 500 --rate 20 --seconds 10

Starts its own ``python wsgi.py`` (eventlet, one process) on a fresh SQLite
database unless ``--url`` names a running server (then ``--database-url`` and
``--jwt-secret`` must be that server's, so the benchmark can create its users
and sign their tokens). Listeners and senders are lean Socket.IO v4 clients on
aiohttp websockets, spread over ``--workers`` processes. Like browsers and the JS
socket.io-client, they offer permessage-deflate in the handshake (``--no-deflate-offer``
models hand-made clients that do not); whether frames are compressed is then the
server's decision (``WEBSOCKET_COMPRESSION``). What they do not model is the JS
client's own cost per message; ``../shared/perf/ours.sh`` drives the real
``socket.io-client`` against this server and a Node socket.io peer in one run, and the
figures in docs/benchmarks.md come from it. Prints deliveries/s,
send->receive latency percentiles (p50/p95/p99/max) and lost messages (a
message acknowledged to its sender but not received by a listener).
Loopback only; every phase is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "benchmark-secret-0123456789abcdef0123456789abcdef"
CONNECT_TIMEOUT = 120
DRAIN_SECONDS = 10


# ---------------------------------------------------------------- a lean Socket.IO v4 client


class LeanClient:
    """Just enough of Engine.IO 4 / Socket.IO 5 over a websocket: connect with auth, ack'd emits, events."""

    offer_deflate = True  # as browsers and socket.io-client do (main() may turn it off)

    def __init__(self, http, url: str, token: str, on_event=None):
        self.http, self.url, self.token, self.on_event = http, url, token, on_event
        self.ws = None
        self.acks: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.reader = None

    async def connect(self) -> None:
        ws_url = self.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.http.ws_connect(
            ws_url,
            headers={"Origin": self.url},
            autoping=False,
            max_msg_size=0,
            compress=15 if self.offer_deflate else 0,  # offers "permessage-deflate; client_max_window_bits"
        )
        opened = await self.ws.receive_str()
        assert opened.startswith("0"), opened
        await self.ws.send_str("40" + json.dumps({"token": self.token}))
        while True:
            reply = await self.ws.receive_str()
            if reply == "2":
                await self.ws.send_str("3")
                continue
            if reply.startswith("40"):
                break
            raise RuntimeError(f"connection refused: {reply}")
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            data = msg.data
            if not isinstance(data, str):
                continue
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith("42"):
                if self.on_event is not None:
                    self.on_event(data)
            elif data.startswith("43"):
                body = data[2:]
                split = body.index("[")
                future = self.acks.pop(int(body[:split]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(body[split:])[0])

    async def call(self, event: str, payload, timeout: float = 30):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[self.next_id] = future
        await self.ws.send_str(f"42{self.next_id}" + json.dumps([event, payload]))
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            await self.ws.close()


# ---------------------------------------------------------------- listeners (worker processes)


def run_async(coro):
    """uvloop when installed (requirements-dev.txt): the clients must not be the bottleneck they measure."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def listener_worker(url, session_id, tokens, total_viewers, ready, go_home, results, offer_deflate=True):
    LeanClient.offer_deflate = offer_deflate
    run_async(_listen(url, session_id, tokens, total_viewers, ready, go_home, results))


async def _listen(url, session_id, tokens, total_viewers, ready, go_home, results):
    import aiohttp

    latencies: list[float] = []
    received: list[set[int]] = [set() for _ in tokens]
    waiting_for_full_room = set(range(len(tokens)))
    full_room = asyncio.Event()
    full_count = f'"count":{total_viewers}'

    def handler(index):
        def on_event(data: str):
            now = time.time()
            if data.startswith('42["new_message"'):
                text = json.loads(data[2:])[1]["text"]  # "bench <seq> <sent_at>"
                _, seq, sent_at = text.split(" ")
                received[index].add(int(seq))
                latencies.append(now - float(sent_at))
            elif data.startswith('42["viewer_count"') and full_count in data.replace(" ", ""):
                waiting_for_full_room.discard(index)
                if not waiting_for_full_room:
                    full_room.set()

        return on_event

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        clients = [LeanClient(http, url, token, handler(i)) for i, token in enumerate(tokens)]
        gate = asyncio.Semaphore(25)

        joined = 0

        async def join(client):
            nonlocal joined
            async with gate:
                await client.connect()
                answer = await client.call("join_session", {"sessionId": session_id}, timeout=CONNECT_TIMEOUT)
                assert answer["ok"], answer
                joined += 1
                if joined % 250 == 0:
                    print(f"  {joined} joined", file=sys.stderr, flush=True)

        await asyncio.wait_for(asyncio.gather(*(join(c) for c in clients)), CONNECT_TIMEOUT)
        # The join storm is over when every listener has heard the final count (bounded wait).
        try:
            await asyncio.wait_for(full_room.wait(), CONNECT_TIMEOUT)
        except TimeoutError:
            print(f"warning: {len(waiting_for_full_room)} listeners never heard the full count", file=sys.stderr)
        ready.put(len(clients))
        while go_home.empty():  # the parent says when sending and draining are over
            await asyncio.sleep(0.1)
        results.put({"latencies": latencies, "received": [sorted(r) for r in received]})
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


# ---------------------------------------------------------------- senders (main process)


async def run_senders(url, session_id, tokens, rate, seconds, listeners_ready):
    """Join the senders, wait for the listeners (``listeners_ready`` blocks), then send at ``rate``."""
    import aiohttp

    sent_ok: list[int] = []
    refused: dict[str, int] = {}
    async with aiohttp.ClientSession() as http:
        senders = [LeanClient(http, url, token) for token in tokens]
        for sender in senders:
            await sender.connect()
            assert (await sender.call("join_session", {"sessionId": session_id}))["ok"]
        connected = await asyncio.get_running_loop().run_in_executor(None, listeners_ready)
        interval = 1 / rate
        total = int(rate * seconds)
        start = time.perf_counter()
        pending = []

        async def one(seq: int, sender: LeanClient):
            answer = await sender.call("send_message", {"sessionId": session_id, "text": f"bench {seq} {time.time()}"})
            if answer["ok"]:
                sent_ok.append(seq)
            else:
                code = answer["error"]["code"]
                refused[code] = refused.get(code, 0) + 1

        for seq in range(total):
            delay = start + seq * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(one(seq, senders[seq % len(senders)])))
        await asyncio.wait_for(asyncio.gather(*pending), DRAIN_SECONDS + 30)
        elapsed = time.perf_counter() - start
        await asyncio.sleep(2)  # deliveries still in flight
        await asyncio.gather(*(s.close() for s in senders), return_exceptions=True)
    return connected, sent_ok, refused, elapsed


# ---------------------------------------------------------------- setup


def prepare_data(database_url: str, jwt_secret: str, listeners: int, senders: int):
    """Users, a LIVE project/event/session and access tokens, written straight to the database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("APP_ENV", "development")
    from plataforma import create_app
    from plataforma.extensions import db
    from plataforma.models import Event, EventSession, EventStatus, Project, ProjectStatus
    from plataforma.services import accounts, commit
    from plataforma.services.tokens import issue_session

    app = create_app({"SECRET_KEY": jwt_secret, "JWT_SECRET_KEY": jwt_secret, "FAST_PASSWORD_HASH": True})
    tag = os.urandom(4).hex()
    with app.test_request_context():
        project = Project(name="Benchmark", status=ProjectStatus.LIVE)
        event = Event(project=project, title="Benchmark", slug=f"benchmark-{tag}", status=EventStatus.LIVE)
        session = EventSession(event=event, title="Fan-out")
        db.session.add_all([project, event, session])
        tokens = []
        for i in range(listeners + senders):
            profile = accounts.create_user(email=f"bench-{tag}-{i}@example.com", password=None, name=f"Bench {i}")
            tokens.append(profile)
        commit()
        tokens = [issue_session(profile)["access_token"] for profile in tokens]
        session_id = str(session.id)
    return session_id, tokens[:listeners], tokens[listeners:]


def split_cpus(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """With --pin (default) on a machine with 2+ CPUs: the server gets CPU 0, the load generator the rest,
    so the clients measuring the server do not steal its core."""
    if not pin or not hasattr(os, "sched_setaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


def start_server(database_url: str, port: int, cpus: set[int] | None = None, **extra_env) -> subprocess.Popen:
    import requests

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "SOCKETIO_CHANNEL"}}
    url = f"http://127.0.0.1:{port}"
    env.update(
        APP_ENV="development",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        JWT_SECRET_KEY=SECRET,
        HOST="127.0.0.1",
        PORT=str(port),
        CORS_ORIGIN=url,
        LOG_LEVEL="WARNING",
        **extra_env,
    )
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, preexec_fn=pin)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def migrate(database_url: str) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, APP_ENV="development")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    subprocess.run(flask, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return None


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500, help="listeners in the session (default 500)")
    parser.add_argument("--rate", type=float, default=20, help="messages per second, all senders together")
    parser.add_argument("--seconds", type=float, default=10, help="how long to send")
    parser.add_argument("--senders", type=int, default=0, help="sending clients (default: enough for the chat limit)")
    parser.add_argument("--workers", type=int, default=1, help="listener processes")
    parser.add_argument("--url", help="a running server instead of starting one")
    parser.add_argument("--database-url", help="the server's DATABASE_URL (default: a fresh SQLite file)")
    parser.add_argument("--jwt-secret", help="with --url: the server's JWT_SECRET_KEY")
    parser.add_argument("--port", type=int, default=0, help="port for the server this script starts")
    parser.add_argument("--no-pin", action="store_true", help="do not give the server a CPU of its own")
    parser.add_argument(
        "--no-deflate-offer", action="store_true", help="clients do not offer permessage-deflate (unlike browsers)"
    )
    args = parser.parse_args()
    LeanClient.offer_deflate = not args.no_deflate_offer
    server_cpus, client_cpus = split_cpus(not args.no_pin and not args.url)
    # The default chat limit is 5 messages per 5 s per user: keep each sender at 0.8 message/s.
    senders = args.senders or max(2, math.ceil(args.rate / 0.8))

    server = None
    workdir = tempfile.TemporaryDirectory(prefix="fanout-")
    try:
        if args.url:
            if not (args.database_url and args.jwt_secret):
                parser.error("--url needs --database-url and --jwt-secret")
            url, database_url, secret = args.url.rstrip("/"), args.database_url, args.jwt_secret
        else:
            database_url = args.database_url or "sqlite:///" + str(Path(workdir.name) / "fanout.db")
            secret = SECRET
            migrate(database_url)
            port = args.port
            if not port:
                import socket

                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", 0))
                    port = sock.getsockname()[1]
            url = f"http://127.0.0.1:{port}"
        session_id, listener_tokens, sender_tokens = prepare_data(database_url, secret, args.clients, senders)
        if not args.url:
            server = start_server(database_url, port, server_cpus)
        if client_cpus:
            os.sched_setaffinity(0, client_cpus)  # inherited by the listener processes
            print(f"server pinned to CPU {sorted(server_cpus)}, clients to CPU {sorted(client_cpus)}")

        print(f"{args.clients} listeners, {senders} senders, {args.rate:g} msg/s for {args.seconds:g} s -> {url}")
        ctx = mp.get_context("spawn")
        ready, go_home, results = ctx.Queue(), ctx.Queue(), ctx.Queue()
        workers = []
        total_viewers = args.clients + senders
        for w in range(args.workers):
            part = listener_tokens[w :: args.workers]
            worker = ctx.Process(
                target=listener_worker,
                args=(url, session_id, part, total_viewers, ready, go_home, results, LeanClient.offer_deflate),
            )
            worker.start()
            workers.append(worker)
        t0 = time.perf_counter()

        server_cpu = {}

        def listeners_ready() -> int:
            connected = sum(ready.get(timeout=CONNECT_TIMEOUT * 2) for _ in workers)
            print(f"connected and joined: {connected} listeners in {time.perf_counter() - t0:.1f} s", flush=True)
            server_cpu["start"] = cpu_seconds(server.pid if server else None)
            return connected

        connected, sent_ok, refused, elapsed = run_async(
            run_senders(url, session_id, sender_tokens, args.rate, args.seconds, listeners_ready)
        )
        server_cpu["end"] = cpu_seconds(server.pid if server else None)
        for _ in workers:
            go_home.put(True)
        reports = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)

        latencies = sorted(x for r in reports for x in r["latencies"])
        expected = set(sent_ok)
        received_per_client = [set(r) for rep in reports for r in rep["received"]]
        lost = sum(len(expected - got) for got in received_per_client)
        deliveries = sum(len(got & expected) for got in received_per_client)
        ms = [1000 * percentile(latencies, p) for p in (50, 95, 99, 100)]
        print(f"sent (acknowledged): {len(sent_ok)} in {elapsed:.1f} s; refused: {refused or 'none'}")
        print(f"deliveries: {deliveries} ({deliveries / elapsed:.0f}/s), expected {len(expected) * connected}")
        print(f"latency send->receive ms: p50 {ms[0]:.1f}  p95 {ms[1]:.1f}  p99 {ms[2]:.1f}  max {ms[3]:.1f}")
        if server_cpu.get("start") is not None and server_cpu.get("end") is not None:
            used, wall = server_cpu["end"] - server_cpu["start"], elapsed + 2
            print(f"server CPU while sending: {used:.1f} s over {wall:.1f} s ({100 * used / wall:.0f}%)")
        print(f"lost messages: {lost}")
        return 0 if lost == 0 else 1
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
