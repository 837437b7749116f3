"""Accounts, sign-in tokens and the login rate limit.

Passwords are hashed with argon2id. A sign-in returns a random opaque token (256 bits);
the server keeps only its SHA-256, with an expiry and a revocation time, so a stolen
database holds no usable token and a revoked one stops working at the next request.
Failed sign-ins are counted in the database (so every server process sees them) per
account and per address.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from .schema import account, auth_token, login_failure
from .storage import utcnow_naive

TOKEN_BYTES = 32
DEFAULT_TOKEN_LIFETIME = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verifying against this when the username is unknown keeps the timing the same.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class LoginRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class TokenOwner:
    account_id: str
    staff_id: str
    username: str
    device_id: str
    token_hash: str


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_account(conn: Connection, username: str, password: str, staff_id: str) -> str:
    if len(password) < 12:
        raise ValueError("A password needs at least 12 characters.")
    account_id = str(uuid.uuid4())
    conn.execute(insert(account).values(
        id=account_id, username=username, staff_id=staff_id, password_hash=hash_password(password),
        disabled=False, created_at=utcnow_naive()))
    return account_id


def set_password(conn: Connection, username: str, password: str) -> None:
    if len(password) < 12:
        raise ValueError("A password needs at least 12 characters.")
    conn.execute(update(account).where(account.c.username == username)
                 .values(password_hash=hash_password(password)))


def _recent_failures(conn: Connection, key: str, since: datetime) -> int:
    return conn.execute(
        select(func.count()).select_from(login_failure)
        .where(login_failure.c.key == key, login_failure.c.at >= since)
    ).scalar_one()


def login(conn: Connection, username: str, password: str, device_id: str, address: str,
          lifetime: timedelta = DEFAULT_TOKEN_LIFETIME) -> tuple[str, datetime, str]:
    """Check the password and return (token, expires_at, staff_id); raise LoginRefused.
    The caller commits (failures are recorded even when the login is refused)."""
    now = utcnow_naive()
    since = now - FAILURE_WINDOW
    user_key, addr_key = f"user:{username.lower()}", f"addr:{address}"
    if (_recent_failures(conn, user_key, since) >= MAX_FAILURES_PER_ACCOUNT
            or _recent_failures(conn, addr_key, since) >= MAX_FAILURES_PER_ADDRESS):
        raise LoginRefused(429, "Too many failed sign-ins. Wait 15 minutes and try again, "
                                "or ask an administrator to reset your password.")
    row = conn.execute(select(account).where(account.c.username == username)).first()
    ok = False
    try:
        ok = _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if row is None or not ok or row.disabled:
        conn.execute(insert(login_failure), [{"key": user_key, "at": now}, {"key": addr_key, "at": now}])
        conn.execute(delete(login_failure).where(login_failure.c.at < now - 2 * FAILURE_WINDOW))
        raise LoginRefused(401, "The username or password is not right.")
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(account).where(account.c.id == row.id)
                     .values(password_hash=hash_password(password)))
    conn.execute(delete(login_failure).where(login_failure.c.key == user_key))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + lifetime
    conn.execute(insert(auth_token).values(
        token_hash=token_digest(token), account_id=row.id, device_id=device_id, created_at=now,
        expires_at=expires, revoked_at=None))
    return token, expires, row.staff_id


def check_token(conn: Connection, token: str) -> TokenOwner | None:
    """The owner of a live token, or None (unknown, expired, revoked, account disabled)."""
    if not token or len(token) > 200:
        return None
    digest = token_digest(token)
    row = conn.execute(
        select(auth_token.c.token_hash, auth_token.c.device_id, auth_token.c.expires_at,
               auth_token.c.revoked_at, account.c.id, account.c.staff_id, account.c.username,
               account.c.disabled)
        .join(account, account.c.id == auth_token.c.account_id)
        .where(auth_token.c.token_hash == digest)
    ).first()
    if row is None or row.revoked_at is not None or row.disabled or row.expires_at <= utcnow_naive():
        return None
    return TokenOwner(row.id, row.staff_id, row.username, row.device_id, row.token_hash)


def revoke_token(conn: Connection, token_hash: str) -> None:
    conn.execute(update(auth_token).where(auth_token.c.token_hash == token_hash,
                                          auth_token.c.revoked_at.is_(None))
                 .values(revoked_at=utcnow_naive()))


def revoke_all(conn: Connection, username: str) -> int:
    account_id = conn.execute(select(account.c.id).where(account.c.username == username)).scalar()
    if account_id is None:
        raise LookupError(f"no account called {username!r}")
    result = conn.execute(update(auth_token).where(auth_token.c.account_id == account_id,
                                                   auth_token.c.revoked_at.is_(None))
                          .values(revoked_at=utcnow_naive()))
    return result.rowcount or 0
