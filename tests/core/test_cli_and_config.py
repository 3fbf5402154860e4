"""CLI commands and configuration rules."""

import sqlite3
import stat
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, func, select

from plataforma import create_app, sqlite_wal
from plataforma.config import ConfigError, load_config, normalise_database_url


def test_create_user_command(runner, client):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Mod@Example.com",
            "--password",
            "moderator-pass",
            "--name",
            "Mo",
            "--role",
            "moderator",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "MODERATOR mod@example.com" in result.output
    signin = client.post("/api/auth/signin", json={"email": "mod@example.com", "password": "moderator-pass"})
    assert signin.status_code == 200
    assert signin.json["profile"]["role"] == "MODERATOR"


def test_create_user_refuses_duplicates_and_short_passwords(runner):
    args = ["create-user", "--email", "dup@example.com", "--password", "long-enough", "--name", "D"]
    assert runner.invoke(args=args).exit_code == 0
    duplicate = runner.invoke(args=args)
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output
    short = runner.invoke(args=["create-user", "--email", "s@example.com", "--password", "short", "--name", "S"])
    assert short.exit_code != 0


def test_seed_demo_is_idempotent_and_prints_logins(runner, app, client):
    from plataforma.extensions import db
    from plataforma.models import Credential, Event, Poll

    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.plataforma.live" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Credential)) == 3
        assert db.session.scalar(select(func.count()).select_from(Event)) == 1
        assert db.session.scalar(select(func.count()).select_from(Poll)) == 1
    signin = client.post(
        "/api/auth/signin", json={"email": "moderator@demo.plataforma.live", "password": "demo-moderator-pass"}
    )
    assert signin.status_code == 200


def test_prune_tokens_forgets_only_expired_ones(runner, client, attendee):
    assert client.post("/api/auth/signout", headers=attendee.headers).status_code == 204
    result = runner.invoke(args=["prune-tokens"])
    assert result.exit_code == 0
    assert "Pruned 0" in result.output
    assert client.get("/api/auth/me", headers=attendee.headers).status_code == 401


@pytest.mark.parametrize("missing", ["SECRET_KEY", "JWT_SECRET_KEY"])
def test_production_refuses_default_or_weak_secrets(monkeypatch, tmp_path, missing):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("JWT_SECRET_KEY", "j" * 40)
    load_config(str(tmp_path))  # both set: fine
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        load_config(str(tmp_path))
    monkeypatch.setenv(missing, "short")
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_development_keys_are_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)
    first, second = load_config(str(tmp_path)), load_config(str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]  # a restart keeps everyone signed in
    assert first["JWT_SECRET_KEY"] == second["JWT_SECRET_KEY"] != first["SECRET_KEY"]
    assert len(first["JWT_SECRET_KEY"]) >= 32
    stored = tmp_path / "dev-secrets.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["dev-secrets.json"]  # no temporary files left
    stored.write_text("{not json")  # a damaged file is replaced, not fatal
    third = load_config(str(tmp_path))
    assert third["SECRET_KEY"] != first["SECRET_KEY"] and load_config(str(tmp_path)) == third
    other = tmp_path / "elsewhere"
    assert load_config(str(other))["SECRET_KEY"] != third["SECRET_KEY"]  # per instance folder


def test_given_keys_win_and_tests_get_fresh_ones(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("JWT_SECRET_KEY", "j" * 40)
    monkeypatch.delenv("APP_ENV", raising=False)
    assert load_config(str(tmp_path))["SECRET_KEY"] == "s" * 40
    monkeypatch.setenv("APP_ENV", "testing")
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.delenv("JWT_SECRET_KEY")
    assert load_config(str(tmp_path))["SECRET_KEY"] != load_config(str(tmp_path))["SECRET_KEY"]
    assert not (tmp_path / "dev-secrets.json").exists()


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("CORS_ORIGIN", "https://a.example, https://b.example/")
    monkeypatch.setenv("RATELIMIT_AUTH", "7 per minute")
    monkeypatch.setenv("RATELIMIT_DEFAULT", "70 per minute")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("FORCE_HTTPS", "true")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/x")
    config = load_config(str(tmp_path))
    assert config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert (config["AUTH_RATE_LIMIT"], config["API_RATE_LIMIT"]) == ("7 per minute", "70 per minute")
    assert config["PORT"] == 8080 and config["FORCE_HTTPS"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert "pool_pre_ping" not in config["SQLALCHEMY_ENGINE_OPTIONS"] and config["DATABASE_PING_IDLE_SECONDS"] == 1.0


@pytest.mark.parametrize("value", ["-1", "3601"])
def test_database_ping_idle_seconds_out_of_range_is_refused(monkeypatch, tmp_path, value):
    monkeypatch.setenv("DATABASE_PING_IDLE_SECONDS", value)
    with pytest.raises(ConfigError, match="DATABASE_PING_IDLE_SECONDS"):
        load_config(str(tmp_path))


def test_unknown_app_env_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError):
        load_config(str(tmp_path))


def test_database_url_normalisation():
    assert normalise_database_url("postgresql://h/d") == "postgresql+psycopg://h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(("interval", "busy"), [("-1", "0.5"), ("5000", "0.5"), ("50", "0"), ("50", "1.5")], ids=str)
def test_broadcast_coalescing_settings_out_of_range_are_refused(monkeypatch, tmp_path, interval, busy):
    monkeypatch.setenv("BROADCAST_COALESCE_MS", interval)
    monkeypatch.setenv("BROADCAST_COALESCE_BUSY", busy)
    with pytest.raises(ConfigError, match="BROADCAST_COALESCE"):
        load_config(str(tmp_path))


def test_broadcast_coalescing_defaults_and_off(monkeypatch, tmp_path):
    config = load_config(str(tmp_path))
    assert (config["BROADCAST_COALESCE_MS"], config["BROADCAST_COALESCE_BUSY"]) == (50, 0.5)
    monkeypatch.setenv("BROADCAST_COALESCE_MS", "0")
    assert load_config(str(tmp_path))["BROADCAST_COALESCE_MS"] == 0


def _pragmas(engine) -> dict:
    with engine.connect() as connection:
        names = ("foreign_keys", "journal_mode", "synchronous", "wal_autocheckpoint")
        return {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names}


def test_sqlite_connections_get_the_documented_pragmas(tmp_path):
    """Foreign keys enforced, WAL with NORMAL sync, and short automatic checkpoints (a commit that
    checkpoints blocks the whole server while it copies and syncs the pages: keep it small)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        assert _pragmas(engine) == {
            "foreign_keys": 1,
            "journal_mode": "wal",
            "synchronous": 1,
            "wal_autocheckpoint": 100,
        }
    finally:
        engine.dispose()


def test_the_served_process_checkpoints_sqlite_from_a_thread_of_its_own(tmp_path):
    """``wsgi.py`` under eventlet: commits never checkpoint (they would block every socket), the thread
    copies the log back into the database; stopped, connections checkpoint by themselves again."""
    path = tmp_path / "wal.db"
    engine = create_engine(f"sqlite:///{path}")
    engine.dispose()  # nothing else may hold the test's engine
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x TEXT)")
    size_before = path.stat().st_size
    checkpointer = sqlite_wal.start(engine, thread_class=threading.Thread, sleep=time.sleep, interval=0.05)
    try:
        assert _pragmas(engine)["wal_autocheckpoint"] == 0
        with engine.begin() as connection:  # ~2 MB: past any automatic checkpoint
            connection.exec_driver_sql("INSERT INTO t VALUES (?)", [("x" * 1000,) for _ in range(2000)])
        deadline = time.monotonic() + 5
        while path.stat().st_size <= size_before + 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert path.stat().st_size > size_before + 1_000_000  # copied back by the thread
    finally:
        sqlite_wal.stop(checkpointer)
        engine.dispose()
    assert not checkpointer.thread.is_alive()
    assert _pragmas(engine)["wal_autocheckpoint"] == 100
    engine.dispose()


class _Recording:
    """A sqlite3 connection stand-in that answers ``wal_checkpoint`` with given results."""

    def __init__(self, *results):
        self.results, self.sql = list(results), []

    def execute(self, sql):
        self.sql.append(sql)
        result = self.results.pop(0)
        return SimpleNamespace(fetchone=lambda: result)


@pytest.mark.parametrize(
    ("passive", "restarted"),
    [
        ((0, 20_000, 20_000), True),  # past the bound, all copied back: start the log over
        ((0, 20_000, 15_000), False),  # a reader still needs older pages: do not hold writers for it
        ((1, 20_000, 20_000), False),
        ((0, 500, 500), False),  # a small log starts over by itself
    ],
)
def test_a_log_past_its_bound_is_restarted_when_nothing_needs_it(passive, restarted):
    connection = _Recording(passive, (0, 20_000, 20_000))
    sqlite_wal.checkpoint(connection, max_log_pages=10_000)
    expected = ["PRAGMA wal_checkpoint(PASSIVE)"] + (["PRAGMA wal_checkpoint(RESTART)"] if restarted else [])
    assert connection.sql == expected


def test_a_restart_checkpoint_on_a_real_log(tmp_path):
    """The blocking branch on SQLite itself: the log is copied back and the next write starts it over."""
    path = tmp_path / "log.db"
    writer = sqlite3.connect(path, isolation_level=None)
    reader = sqlite3.connect(path, isolation_level=None)
    checkpointer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE t (x TEXT)")
        writer.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,) for _ in range(1000)])
        busy, pages, copied = sqlite_wal.checkpoint(checkpointer, max_log_pages=200)
        assert busy == 0 and pages == copied > 200
        writer.execute("INSERT INTO t VALUES ('after')")
        assert sqlite_wal.checkpoint(checkpointer, max_log_pages=200)[1] < 10  # started over
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (1001,)
    finally:
        for connection in (checkpointer, reader, writer):
            connection.close()


def test_the_checkpoint_thread_outlives_failures_and_says_so_once(tmp_path, capsys):
    checkpointer = sqlite_wal.Checkpointer(
        str(tmp_path / "missing" / "x.db"), thread_class=threading.Thread, sleep=time.sleep, interval=0.01
    )
    checkpointer.thread.start()
    time.sleep(0.2)
    assert checkpointer.thread.is_alive()
    sqlite_wal.stop(checkpointer)
    assert not checkpointer.thread.is_alive()
    assert capsys.readouterr().err.count("will retry") == 1


def test_no_checkpoint_thread_for_other_databases():
    engine = create_engine("sqlite://")
    assert sqlite_wal.start(engine, thread_class=threading.Thread, sleep=time.sleep) is None
    assert sqlite_wal.autocheckpoint_pages() == 100
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert sqlite_wal.start(engine, thread_class=threading.Thread, sleep=time.sleep) is None
