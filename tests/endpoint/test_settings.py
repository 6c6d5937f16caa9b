"""The endpoint's settings: read once from the defaults, the TID_* environment and the app's
mapping, typed once; unknown TID_* variables reported; gunicorn sized from the same settings."""

from __future__ import annotations

import argparse
import logging

from tid.endpoint import serve
from tid.endpoint.settings import Settings


def test_values_are_typed_and_layered() -> None:
    settings = Settings.read({"QUERY_TIMEOUT": "5", "SERVICE_ALLOWLIST": "Query.Wikidata.org., example.org"},
                             environ={"TID_QUERY_TIMEOUT": "12", "TID_MAX_ROWS": "7", "TID_FEDERATION": "true",
                                      "TID_WORKER_MEMORY_MB": "0", "TID_RESULT_CACHE_MB": "none"})
    assert settings.QUERY_TIMEOUT == 5.0 and settings.MAX_ROWS == 7 and settings.FEDERATION is True
    assert settings.SERVICE_ALLOWLIST == frozenset({"query.wikidata.org", "example.org"})
    assert settings.WORKER_MEMORY_MB is None and settings.RESULT_CACHE_MB == 0.0
    assert settings.MAX_CONTENT_LENGTH == settings.MAX_QUERY_LENGTH * 3 + 64 * 1024
    assert Settings.read(environ={}).DATA_DIR == "var"


def test_unknown_tid_variables_are_reported(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="tid.endpoint"):
        Settings.read(environ={"TID_QUERY_TIMEOUTT": "3", "TID_MIRROR": "/m", "TID_BASE": "x", "OTHER": "1"})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "TID_QUERY_TIMEOUTT (did you mean TID_QUERY_TIMEOUT?)" in warnings[0]
    assert "TID_MIRROR" not in warnings[0] and "TID_BASE" not in warnings[0]


def test_gunicorn_is_sized_from_the_settings_the_app_reads(monkeypatch) -> None:
    monkeypatch.setenv("TID_MAX_CONCURRENT_QUERIES", "6")
    monkeypatch.setenv("TID_QUERY_TIMEOUT", "12")
    args = argparse.Namespace(host="127.0.0.1", port=8000, workers=2, threads=None, access_log="-")
    options = serve.gunicorn_options(args, {})
    assert options["threads"] == 4 * 6 + 4
    assert options["timeout"] == 12 + 30
    options = serve.gunicorn_options(args, {"MAX_CONCURRENT_QUERIES": 2})
    assert options["threads"] == 4 * 2 + 4
