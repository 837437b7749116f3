"""The session with the server: sign-in and sign-out (the token lives in the OS keyring),
what the server says the person manages today, and every HTTP request, a failure turned
into a :class:`SyncError` in words."""
from __future__ import annotations

import json
from typing import Any

import httpx

from ...domain.time_rules import london_date
from ...store.supervision_records import SERVER_ACCESS_KEY
from .. import protocol as p
from .errors import AccountEnded, ServerUnreachable, SignInNeeded, SyncError
from .state import ClientState

TOKEN_NAME = "sync-token"


def parse_answer(model, response: httpx.Response):
    try:
        return model.model_validate_json(response.content)
    except ValueError:
        raise SyncError("The sync server sent an answer this version of the app does not "
                        "understand. Nothing was changed; ask IT whether an update is due.") from None


class ServerSession(ClientState):
    def login(self, username: str, password: str, new_password: str | None = None) -> p.LoginResponse:
        """Sign in; with ``new_password``, also change the password (after an administrator's
        one-time password the server answers 428 until one is given)."""
        body = p.LoginRequest(username=username, password=password, device_id=self.device_id(),
                              new_password=new_password)
        # without new_password the body is what servers before it accept
        response = self._request("POST", "/v1/login", content=body.model_dump_json(exclude_none=True),
                                 auth=False)
        login = parse_answer(p.LoginResponse, response)
        self.secrets.set(TOKEN_NAME, login.token)
        with self._raw() as cur:
            self._set(cur, "staff_id", login.staff_id)
        return login

    def logout(self) -> None:
        try:
            if self.secrets.get(TOKEN_NAME):
                self._request("POST", "/v1/logout")
        except SyncError:
            pass
        finally:
            self.secrets.delete(TOKEN_NAME)

    def _remember_access(self) -> None:
        """What the server says this person manages today, cover of another team included
        (``GET /v1/me``), kept for ``store.supervision_records.load_actor`` so the app shows
        what the server sends for a covered team. Asked when the pull's access fingerprint
        changed and at the first sync of each London day (cover ends by itself)."""
        today = london_date(self.clock()).isoformat()
        with self._raw() as cur:
            access = self._get(cur, "access", "")
            held = self._get(cur, SERVER_ACCESS_KEY, "")
        try:
            known = json.loads(held) if held else {}
        except ValueError:
            known = {}
        if isinstance(known, dict) and known.get("access") == access and known.get("day") == today:
            return
        me = parse_answer(p.Me, self._request("GET", "/v1/me"))
        with self._raw() as cur:
            self._set(cur, SERVER_ACCESS_KEY, json.dumps({
                "staff_id": me.staff_id, "managed_team_ids": me.managed_team_ids,
                "access": access, "day": today}))

    def _request(self, method: str, path: str, *, content: str | bytes | None = None,
                 params: dict[str, Any] | None = None, auth: bool = True,
                 accept: tuple[int, ...] = (200,), extra_headers: dict[str, str] | None = None,
                 ) -> httpx.Response:
        headers = {"Content-Type": "application/json", **(extra_headers or {})}
        if auth:
            token = self.secrets.get(TOKEN_NAME)
            if not token:
                raise SignInNeeded("Sign in to the sync server to send and receive records.")
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.http.request(method, path, content=content, params=params, headers=headers)
        except httpx.TimeoutException:
            raise ServerUnreachable("The sync server did not answer in time. Your changes are "
                                    "kept on this laptop and will be sent at the next sync.") from None
        except httpx.TransportError:
            raise ServerUnreachable("The sync server could not be reached. Your changes are kept "
                                    "on this laptop and will be sent at the next sync.") from None
        if response.status_code in accept:
            return response
        try:
            body = response.json()
            message, detail = body.get("error", ""), body.get("detail")
        except (ValueError, AttributeError):
            message, detail = "", None
        if response.status_code == 403 and detail == p.ACCOUNT_ENDED and auth:
            raise AccountEnded(message, status=403)
        if response.status_code == 401:
            raise SignInNeeded(message or "Your sign-in has expired; sign in again to sync.",
                               status=401)
        if response.status_code == 429:
            raise SyncError(message or "Too many attempts; wait a few minutes and try again.",
                            status=429)
        if response.status_code >= 500:
            raise ServerUnreachable("The sync server had a problem. Your changes are kept on this "
                                    "laptop and will be sent at the next sync.",
                                    status=response.status_code)
        raise SyncError(message or f"The sync server refused the request ({response.status_code}).",
                        status=response.status_code)
