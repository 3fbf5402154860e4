"""Real ``python wsgi.py`` processes and real python-socketio clients for the end-to-end tests."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio
import websocket

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "e2e-secret-key-0123456789abcdef0123456789abcdef"
JWT_SECRET_KEY = "e2e-jwt-secret-0123456789abcdef0123456789abcdef"
START_TIMEOUT = 30
WAIT = 10  # seconds any single expected event may take before the test fails

# Environment variables of the developer's shell that must not leak into the servers.
_SCRUB = ("CORS_ORIGIN", "DATABASE_URL", "REDIS_URL", "SOCKETIO_CHANNEL", "PORT", "HOST", "APP_ENV", "RATELIMIT_CHAT")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python wsgi.py`` (or another entry ``script``) on a free port; ``stop()`` always ends it."""

    def __init__(self, database_url: str, *, script: str = "wsgi.py", **env):
        self.script = script
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        self.env.update(
            {
                "APP_ENV": "development",
                "DATABASE_URL": database_url,
                "SECRET_KEY": SECRET_KEY,
                "JWT_SECRET_KEY": JWT_SECRET_KEY,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "LOG_LEVEL": "WARNING",
                # python-socketio clients send their target as Origin; Socket.IO checks it.
                "CORS_ORIGIN": self.url,
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env.update({k: str(v) for k, v in env.items()})
        self.log = tempfile.NamedTemporaryFile(prefix="wsgi-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, self.script], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"wsgi.py exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        output = self.output()  # before stop() removes the log
        self.stop()
        raise RuntimeError(f"wsgi.py did not answer /health within {START_TIMEOUT} s:\n{output}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def open_raw(server: Server, token: str) -> websocket.WebSocket:
    """A raw Engine.IO websocket (websocket-client) with the Socket.IO default namespace connected."""
    url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, origin=server.url, timeout=WAIT)
    assert ws.recv().startswith("0{")  # Engine.IO open
    ws.send("40" + json.dumps({"token": token}))
    assert ws.recv().startswith("40{")  # Socket.IO connected
    return ws


class Client:
    """A python-socketio client that records every server event it receives."""

    def __init__(self, server_url: str, token: str | None = None, *, auth=None, query: str | None = None):
        self.sio = socketio.Client(reconnection=False)
        self.received: list[tuple[str, object]] = []
        self.connect_error = None
        self._cond = threading.Condition()
        self.sio.on("*", self._record)
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("disconnect", self._on_disconnect)
        self.disconnected = threading.Event()
        self.url = server_url + (f"?{query}" if query else "")
        self.auth = {"token": token} if auth is None and token is not None else auth

    def _record(self, event, *args):
        with self._cond:
            self.received.append((event, args[0] if args else None))
            self._cond.notify_all()

    def _on_connect_error(self, data=None):
        self.connect_error = data

    def _on_disconnect(self, *_reason):
        self.disconnected.set()

    def connect(self) -> Client:
        self.sio.connect(self.url, auth=self.auth, transports=["websocket"], wait_timeout=WAIT)
        return self

    def call(self, event: str, payload=None) -> dict:
        return self.sio.call(event, payload, timeout=WAIT)

    def events(self, name: str) -> list:
        with self._cond:
            return [data for event, data in self.received if event == name]

    def wait_for(self, name: str, predicate=lambda data: True, timeout: float = WAIT, nth: int = 1):
        """The ``nth`` ``name`` event matching ``predicate`` (waits for it; AssertionError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [data for event, data in self.received if event == name and predicate(data)]
                if len(matching) >= nth:
                    return matching[nth - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {name} event matching the predicate; got {self.received!r}")
                self._cond.wait(left)

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
        # A connection the server dropped (killed, or disconnected for flooding) may keep its
        # socket open until garbage collection, whose ResourceWarning then fails a later test.
        for resource in (getattr(self.sio.eio, "ws", None), getattr(self.sio.eio, "http", None)):
            if resource is not None:
                with contextlib.suppress(Exception):  # already closed
                    resource.close()
