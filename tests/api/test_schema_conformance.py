"""Schema conformance: schemathesis against a real ``python wsgi.py`` on PostgreSQL, as an attendee and
as an admin, with a bounded number of examples: no server error, no response outside the OpenAPI document."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realtime.conftest import e2e_app, e2e_content, e2e_users  # noqa: F401  (fixtures)
from tests.realtime.e2e import Server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL pass only (TEST_DATABASE_URL)"),
]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
CHECKS = "not_a_server_error,response_schema_conformance"
# Signing out revokes the token the run uses: every later request would only see 401s.
EXCLUDED = ["/api/auth/signout"]


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("schemathesis is not installed (requirements-dev.txt)")
    return found


def _run(server: Server, token: str, report_dir: Path) -> subprocess.Popen:
    command = [_schemathesis(), "run", f"{server.url}/api/openapi.json"]
    command += ["-H", f"Authorization: Bearer {token}", "--checks", CHECKS, "-n", str(MAX_EXAMPLES)]
    command += ["--seed", "1", "--workers", "1", "--no-shrink", "--report-dir", str(report_dir)]
    for path in EXCLUDED:
        command += ["--exclude-path", path]
    report_dir.mkdir()
    return subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=report_dir
    )


def test_responses_conform_to_the_openapi_document(database_url, e2e_users, e2e_content, tmp_path):  # noqa: F811
    """One server and one schemathesis run per role, side by side (about two minutes on 2 cores)."""
    e2e_content.session()  # something to list
    limits = {"RATELIMIT_DEFAULT": "1000000 per second", "RATELIMIT_AUTH": "1000000 per second"}
    servers, runs = {}, {}
    try:
        for role in ("ATTENDEE", "ADMIN"):
            servers[role] = Server(database_url, LOG_LEVEL="ERROR", **limits).start()
            runs[role] = _run(servers[role], e2e_users(role).token, tmp_path / role)
        outputs = {role: run.communicate(timeout=900)[0] for role, run in runs.items()}
        for role, run in runs.items():
            output = outputs[role]
            print(f"\n{role}:", output[output.rfind("SUMMARY") :])
            assert run.returncode == 0, output[-15000:] + servers[role].output()
            assert "Traceback" not in servers[role].output()
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
        for server in servers.values():
            server.stop()
