"""Schemathesis hooks for tests/sync/test_openapi_contract.py (loaded through the
SCHEMATHESIS_HOOKS variable): a real sign-in for the routes that need one.

The token is fetched again whenever the server answers 401, which it does after the
generated calls to /v1/logout revoke it."""
from __future__ import annotations

import os
import uuid

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


@schemathesis.hook("before_call").apply_to(path="/v1/push", method="POST")
def push_as_the_signed_in_device(context, case, **kwargs):
    """A push names the device its sign-in belongs to, or it stops at 403 and the protocol
    behind it is never reached. Only a valid id is replaced, so an invalid body stays invalid."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("device_id"), str):
        try:
            uuid.UUID(body["device_id"])
        except ValueError:
            return
        body["device_id"] = os.environ["CONTRACT_DEVICE_ID"]
