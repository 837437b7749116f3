"""The sync server answers as its OpenAPI document says: schemathesis, every check, against a
real server process.

Bounded and repeatable for CI: a few examples per operation, deterministic generation (no
randomness, no example database), one worker. Every status the server sends (the 400, 401,
403, 413, 422 and 429 refusals and 503 when busy) must be documented on its route with the
one error body (protocol.ErrorBody), 405 must carry Allow, and documented Retry-After
headers must be there. A longer run: CONTRACT_EXAMPLES=50."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from tests.sync.harness import PASSWORD, REPO, deploy

HERE = Path(__file__).resolve().parent
EXAMPLES = os.environ.get("CONTRACT_EXAMPLES", "5")


def _schemathesis() -> list[str]:
    script = Path(sys.executable).with_name("schemathesis")
    return [str(script)] if script.exists() else [sys.executable, "-m", "schemathesis.cli"]


def test_the_server_answers_as_its_openapi_document_says(tmp_path):
    deployment, teardown = deploy("sqlite", tmp_path / "contract")
    try:
        env = dict(os.environ, SCHEMATHESIS_HOOKS="tests.sync.schemathesis_hooks",
                   CONTRACT_SERVER_URL=deployment.url, CONTRACT_USERNAME="sw_a1",
                   CONTRACT_PASSWORD=PASSWORD, CONTRACT_DEVICE_ID=str(uuid.uuid4()),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        result = subprocess.run(
            [*_schemathesis(), "--config-file", str(HERE / "schemathesis.toml"), "run",
             f"{deployment.url}/openapi.json", "--checks", "all", "--max-examples", EXAMPLES,
             "--generation-deterministic", "--workers", "1", "--no-color"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
        report = result.stdout[-8000:] + result.stderr[-2000:]
        assert result.returncode == 0, report
        summary = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
        assert summary is not None, report
        assert int(summary.group(1)) == int(summary.group(2)) > 0, report  # every case, all checks
    finally:
        teardown()


def test_every_error_is_documented_with_the_one_error_body(deployment):
    doc = httpx.get(f"{deployment.url}/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # FastAPI's shape is not ours
    expected = {
        ("/v1/login", "post"): {"400", "401", "413", "422", "429", "503"},
        ("/v1/push", "post"): {"400", "401", "403", "413", "422", "503"},
        ("/v1/pull", "get"): {"401", "403", "422", "503"},
        ("/v1/certificates", "post"): {"400", "401", "403", "404", "413", "422", "429", "503"},
    }
    for (path, method), statuses in expected.items():
        responses = doc["paths"][path][method]["responses"]
        assert statuses <= set(responses), (path, set(responses))
        for status in statuses:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/ErrorBody"), (path, status)
    assert "Retry-After" in doc["paths"]["/v1/login"]["post"]["responses"]["429"]["headers"]
    assert doc["paths"]["/v1/pull"]["get"]["security"] == [{"bearer": []}]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_a_validation_refusal_is_the_documented_error_body(deployment):
    answer = httpx.get(f"{deployment.url}/v1/pull", params={"limit": "0"},
                       headers={"Authorization": "Bearer not-checked-before-the-query"})
    assert answer.status_code in (401, 422)
    body = answer.json()
    assert set(body) <= {"error", "detail"} and isinstance(body["error"], str)
    wrong_method = httpx.request("DELETE", f"{deployment.url}/v1/certificates")
    assert wrong_method.status_code == 405
    assert set(wrong_method.headers["Allow"].split(", ")) >= {"GET", "POST"}
