"""SPEC §16 configuration: defaults and parsing."""

from __future__ import annotations

import pytest

from plataforma.config import ConfigError, load_config


def test_defaults(tmp_path, monkeypatch):
    for name in ("EVENT_RETENTION_HOURS", "WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_WORKER", "WEBHOOK_BACKOFF_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(str(tmp_path))
    assert config["EVENT_RETENTION_HOURS"] == 48
    assert config["WEBHOOK_ALLOW_PRIVATE"] is False
    assert config["WEBHOOK_WORKER"] == "inline"
    assert config["WEBHOOK_TIMEOUT"] == 10
    assert config["WEBHOOK_BACKOFF_SECONDS"] == [5, 30, 120, 600, 1800]


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENT_RETENTION_HOURS", "1.5")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("WEBHOOK_WORKER", "off")
    monkeypatch.setenv("WEBHOOK_BACKOFF_SECONDS", "1, 2")
    config = load_config(str(tmp_path))
    assert (config["EVENT_RETENTION_HOURS"], config["WEBHOOK_ALLOW_PRIVATE"]) == (1.5, True)
    assert (config["WEBHOOK_WORKER"], config["WEBHOOK_BACKOFF_SECONDS"]) == ("off", [1, 2])


def test_an_unknown_worker_mode_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBHOOK_WORKER", "sometimes")
    with pytest.raises(ConfigError, match="WEBHOOK_WORKER"):
        load_config(str(tmp_path))
