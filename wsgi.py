"""Production entry point: ``python wsgi.py`` serves HTTP + Socket.IO with eventlet.

Eventlet lives only here (and in ``plataforma.realtime.eventlet_websocket``, which only this
module imports), so the package stays switchable: ``WSGI_SERVER=gevent python wsgi.py`` serves
with gevent + gevent-websocket instead (``pip install -r requirements-gevent.txt``; measured in
docs/benchmarks.md). eventlet is the default.

Configuration is read in ``plataforma/config.py``, except what must be decided here before
the app (and psycopg) is imported: whether to monkey-patch (``PLATAFORMA_EVENTLET``, or
running as a script), with which library (``WSGI_SERVER``), and the psycopg wait function /
async mode that implies.
"""

import gc
import logging
import os
import signal
import sys

WSGI_SERVER = os.environ.get("WSGI_SERVER", "eventlet")

if __name__ == "__main__" or os.environ.get("PLATAFORMA_EVENTLET") == "1":
    # psycopg 3 must wait with select() so eventlet's green select can yield
    # during a query (see STACK.md): set before psycopg is imported.
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
    if WSGI_SERVER == "gevent":
        from gevent import monkey

        monkey.patch_all()
        os.environ.setdefault("SOCKETIO_ASYNC_MODE", "gevent")
    else:
        os.environ.setdefault("SOCKETIO_ASYNC_MODE", "eventlet")
        import warnings

        with warnings.catch_warnings():  # eventlet announces its maintenance mode on import
            warnings.simplefilter("ignore")
            import eventlet

        eventlet.monkey_patch()

from plataforma import create_app, sqlite_wal  # noqa: E402
from plataforma.extensions import db, socketio  # noqa: E402
from plataforma.realtime import housekeeping  # noqa: E402
from plataforma.services import reactions  # noqa: E402
from plataforma.workers import webhooks as webhooks_worker  # noqa: E402

app = create_app()

connections = None  # eventlet: the WSGI server's pool (MAX_CONNECTIONS), websockets read from the hub included
if app.config["SOCKETIO_ASYNC_MODE"] == "eventlet":
    from eventlet import patcher

    from plataforma.realtime import eventlet_websocket

    connections = eventlet_websocket.connection_pool(app.config["MAX_CONNECTIONS"])
    eventlet_websocket.install(
        socketio.server,
        compression=app.config["WEBSOCKET_COMPRESSION"],
        pool=connections,
        coalesce_interval=app.config["BROADCAST_COALESCE_MS"] / 1000,
        coalesce_busy=app.config["BROADCAST_COALESCE_BUSY"],
    )
    # SQLite only: WAL checkpoints from a native thread, not inside a commit that blocks the hub.
    with app.app_context():
        sqlite_wal.start(
            db.engine,
            thread_class=patcher.original("threading").Thread,
            sleep=patcher.original("time").sleep,
        )


_stopping = False


def _graceful_exit() -> None:
    """Close this process's visits and take its viewers out of the counts, then exit.

    Exiting drops every socket as a transport close, so socket.io clients reconnect (to
    another process behind the load balancer) by themselves; a Socket.IO disconnect would
    not make them reconnect."""
    code = 0
    try:
        with app.app_context():
            housekeeping.shutdown()
    except BaseException:
        logging.getLogger("plataforma").exception("Clean shutdown failed")
        code = 1
    finally:
        print("Plataforma Live stopped", file=sys.stderr, flush=True)
        logging.shutdown()
        sys.stdout.flush()
        os._exit(code)  # eventlet's server would otherwise wait for every websocket to end


def _stop(signum, frame) -> None:
    """SIGTERM / SIGINT. A signal handler runs inside whichever green thread was running (and the
    hub may sleep on until its next timer), so it only raises a flag that ``_watch`` polls."""
    global _stopping
    _stopping = True


def _watch() -> None:
    while not _stopping:
        socketio.sleep(0.25)
    _graceful_exit()


def main() -> None:
    # Latency: move start-up objects out of the collector's way and collect less often;
    # with a thousand sockets open, full collections were the longest pauses.
    gc.freeze()
    gc.set_threshold(*app.config["GC_THRESHOLD"])
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"Plataforma Live on http://{host}:{port} ({app.config['APP_ENV']})", file=sys.stderr, flush=True)
    # Heartbeat, sweeps, and the start-up close of visits a previous process left open.
    housekeeping.ensure_started(app)
    reactions.ensure_started(app)  # aggregated reaction broadcasts and totals, every second
    webhooks_worker.ensure_started(app)  # SPEC §16: delivers the outbox unless WEBHOOK_WORKER=off
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    socketio.start_background_task(_watch)
    options = {"log_output": app.config["ACCESS_LOG"]}
    if app.config["SOCKETIO_ASYNC_MODE"] == "eventlet":
        options.update(custom_pool=connections, protocol=eventlet_websocket.LeanHttpProtocol)
    socketio.run(app, host=host, port=port, **options)


if __name__ == "__main__":
    main()
