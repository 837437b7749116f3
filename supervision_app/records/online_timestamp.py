"""The signature time stamp a laptop asks for when it signs online (PAdES B-T).

The sync server answers RFC 3161 requests at ``/v1/timestamp`` for signed-in people (from the
organisation's own time-stamping authority, or the external one it is configured with). A
profile that is signed in (server address saved, sign-in token in the keyring) gets a
pyHanko time stamper for it; otherwise None, and the signature is time-stamped by the
server's document time stamp when it reaches the server. If the server cannot be reached
at signing time, :func:`~.pdf_sign.sign_pdf` signs without the time stamp.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..store.database import Database

__all__ = ["TIMEOUT_SECONDS", "profile_timestamper"]

#: A laptop on a bad connection signs without a time stamp rather than keep the person waiting.
TIMEOUT_SECONDS = 5
_SERVER_URL_KEY = "server_url"  # as the sync panel saves it
_TOKEN_NAME = "sync-token"  # as the sync client keeps it


def _saved_server_url(db) -> str:
    with db.engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT value FROM sync_state WHERE key = ?",
                                     (_SERVER_URL_KEY,)).scalar()
    return value or ""


def profile_timestamper(db: "Database", server_url: str | None = None, secret_store=None):
    """A time stamper that asks the profile's sync server, or None when the profile is not
    signed in to one. Builds no connection: the request is made when signing."""
    from ..security.secret_store import SecretStore

    url = (server_url or _saved_server_url(db)).rstrip("/")
    if not url:
        return None
    try:
        token = (secret_store or SecretStore(db.profile.profile_id)).get(_TOKEN_NAME)
    except Exception:  # noqa: BLE001 - no keyring on this computer: sign without a time stamp
        return None
    if not token:
        return None
    from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

    return HTTPTimeStamper(f"{url}/v1/timestamp", timeout=TIMEOUT_SECONDS,
                           headers={"Authorization": f"Bearer {token}"})
