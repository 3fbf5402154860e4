"""Helpers for the webhook tests: fake DNS and a loopback receiver."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from plataforma.services import ssrf


class FakeDNS:
    """``dns["host"] = ["1.2.3.4", ...]``: what ``ssrf`` resolves; unknown names do not resolve.

    Every lookup is recorded, and nothing ever reaches a real resolver."""

    def __init__(self):
        self.names: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def __setitem__(self, host: str, addresses: list[str]) -> None:
        self.names[host] = addresses

    def __call__(self, host: str, port: int):
        self.lookups.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in self.names[host]
        ]


def install_dns(monkeypatch) -> FakeDNS:
    dns = FakeDNS()
    monkeypatch.setattr(ssrf, "_getaddrinfo", dns)
    return dns


class Receiver:
    """A webhook receiver on 127.0.0.1: records (headers, body) and answers ``statuses`` in turn
    (then 200). ``url`` is its address."""

    def __init__(self, statuses=(), *, headers: dict | None = None, hold: threading.Event | None = None):
        self.statuses = list(statuses)
        self.hold = hold  # when given, every answer waits for it (a slow receiver)
        self.extra_headers = headers or {}
        self.requests: list[tuple[dict, bytes, str]] = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.cond:
                    receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body, self.path))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.cond.notify_all()
                if receiver.hold is not None:
                    receiver.hold.wait(60)
                self.send_response(status)
                for key, value in receiver.extra_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST  # noqa: N815  (a followed redirect would arrive as a GET)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, timeout: float = 30) -> list[tuple[dict, bytes, str]]:
        with self.cond:
            self.cond.wait_for(lambda: len(self.requests) >= count, timeout)
            assert len(self.requests) >= count, f"received {len(self.requests)} of {count}"
            return list(self.requests)


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    """A certificate for ``name`` signed by itself (it is its own CA): (cert path, key path)."""
    import subprocess

    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
            "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


class TLSReceiver(Receiver):
    """The receiver over HTTPS with the given certificate."""

    def __init__(self, cert: str, key: str, **kwargs):
        import ssl

        super().__init__(**kwargs)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.port}/hooks"
