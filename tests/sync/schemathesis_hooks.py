"""Schemathesis hooks for tests/sync/test_openapi_contract.py (loaded through the
SCHEMATHESIS_HOOKS variable): a real sign-in for the routes that need one.

The token is fetched again whenever the server answers 401, which it does after the
generated calls to /v1/logout revoke it."""
from __future__ import annotations

import os

import httpx
import schemathesis


@schemathesis.auth()
class SignIn:
    def get(self, case, context):
        answer = httpx.post(f"{os.environ['CONTRACT_SERVER_URL']}/v1/login", json={
            "username": os.environ["CONTRACT_USERNAME"], "password": os.environ["CONTRACT_PASSWORD"],
            "device_id": os.environ["CONTRACT_DEVICE_ID"]}, timeout=30)
        answer.raise_for_status()
        return answer.json()["token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
