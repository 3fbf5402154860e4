"""Socket.IO handshakes: configured origins and the server's own origin only."""

import pytest

from plataforma.realtime.origins import origin_checker

ENVIRON = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:3000"}


@pytest.mark.parametrize(
    ("origin", "environ", "allowed"),
    [
        ("http://localhost:5173", ENVIRON, True),
        ("http://127.0.0.1:3000", ENVIRON, True),  # the dashboard, served by this server
        ("https://evil.example", ENVIRON, False),
        ("http://127.0.0.1:3001", ENVIRON, False),
        (None, ENVIRON, True),  # no Origin: not a browser
        (
            "https://live.example.com",
            {**ENVIRON, "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "live.example.com"},
            True,
        ),
    ],
)
def test_origin_checker(origin, environ, allowed):
    assert origin_checker(["http://localhost:5173"])(origin, environ) is allowed


def test_polling_handshake_refuses_foreign_origins(client):
    own = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "http://localhost"})
    assert own.status_code == 200
    foreign = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 400
