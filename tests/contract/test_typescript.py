"""The OpenAPI document and the socket declarations type a strict TypeScript client (openapi-typescript,
socket.io-client, tsc --strict).

The pinned tools are installed from tests/contract/typescript/package-lock.json with ``npm ci``
(the npm registry), the document is taken from the app as served, and ``client.ts`` — code an SPA
would write — must compile. Skipped without Node.js unless CI is set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "typescript"


@pytest.fixture(scope="module")
def toolchain(tmp_path_factory) -> Path:
    if shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("npm is missing: the contract check needs Node.js")
        pytest.skip("npm not installed")
    work = tmp_path_factory.mktemp("ts")
    for name in ("package.json", "package-lock.json", "client.ts"):
        shutil.copy(HERE / name, work / name)
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=work, check=True, timeout=300, capture_output=True
    )
    return work


def _run(work: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(work / "node_modules" / ".bin" / args[0]), *args[1:]], cwd=work, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def test_the_openapi_document_generates_a_strict_typescript_client(client, toolchain):
    (toolchain / "openapi.json").write_text(json.dumps(client.get("/api/openapi.json").get_json()))
    generated = _run(toolchain, "openapi-typescript", "openapi.json", "-o", "generated/api.d.ts")
    (toolchain / "generated" / "socket-events.d.ts").write_text(client.get("/api/socket-events.d.ts").get_data(True))
    assert generated.returncode == 0, generated.stdout + generated.stderr
    types = (toolchain / "generated" / "api.d.ts").read_text()
    assert "operationId" not in types and "messagesPostMessage: {" in types  # operations are named
    checked = _run(toolchain, "tsc", "--strict", "--noEmit", "--target", "es2022", "--moduleResolution", "bundler",
                   "--module", "esnext", "client.ts")  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_required_field_removed_from_a_response_would_break_the_client(client, toolchain):
    """The check can fail: the same client against a document whose Message fields are optional."""
    doc = client.get("/api/openapi.json").get_json()
    doc["components"]["schemas"]["Message"].pop("required")
    (toolchain / "loose.json").write_text(json.dumps(doc))
    (toolchain / "generated").mkdir(exist_ok=True)
    (toolchain / "generated" / "socket-events.d.ts").write_text(client.get("/api/socket-events.d.ts").get_data(True))
    assert _run(toolchain, "openapi-typescript", "loose.json", "-o", "generated/api.d.ts").returncode == 0
    checked = _run(toolchain, "tsc", "--strict", "--noEmit", "--target", "es2022", "--moduleResolution", "bundler",
                   "--module", "esnext", "client.ts")  # fmt: skip
    assert checked.returncode != 0 and "possibly 'undefined'" in checked.stdout
