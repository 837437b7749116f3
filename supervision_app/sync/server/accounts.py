"""Accounts, sign-in tokens and the login rate limit.

Passwords are hashed with argon2id. A sign-in returns a random opaque token (256 bits);
the server keeps only its SHA-256, with an expiry and a revocation time, so a stolen
database holds no usable token and a revoked one stops working at the next request.

Failed sign-ins are counted in the database (so every server process sees them), per
name typed and per client address:

- per name: the first :data:`FREE_FAILURES` wrong answers are answered at once; after that
  each attempt waits a delay that doubles with every further failure, up to
  :data:`MAX_ACCOUNT_DELAY`, and is refused with 429 and ``Retry-After`` until it has
  passed. There is no lockout: once the wait is over, the right password works, so
  someone guessing at another person's account can slow them down by a minute at most,
  never shut them out; and a guesser gets about one try a minute per account.
- per address: :data:`MAX_FAILURES_PER_ADDRESS` failures in :data:`FAILURE_WINDOW` and that
  address waits (429, ``Retry-After``) until the oldest of them leaves the window.

The address is the connecting peer's, or, only when that peer is one of the configured
trusted reverse proxies, the client it names in ``X-Forwarded-For``
(:func:`client_address`); a client cannot choose its own.

Unknown names, disabled accounts (or people no longer active in the directory) and wrong
passwords all get the same answer, after the same work (an argon2 verification), and all
count as failures.
"""
from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ...errors import AppError
from .schema import account, auth_token, directory_staff, login_failure
from .storage import utcnow_naive

TOKEN_BYTES = 32
DEFAULT_TOKEN_LIFETIME = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ADDRESS = 30
FREE_FAILURES = 3
FIRST_ACCOUNT_DELAY = timedelta(seconds=1)
MAX_ACCOUNT_DELAY = timedelta(seconds=60)
#: Failures older than this no longer lengthen a name's delay.
ACCOUNT_MEMORY = timedelta(hours=1)
WRONG_CREDENTIALS = "The username or password is not right."
PASSWORD_CHANGE_NEEDED = ("Your password was given to you by an administrator for your first "
                          "sign-in: choose a new password of your own (12 characters or more).")
# 428 Precondition Required: the sign-in needs one more thing (a new password). Not 403,
# which desktops already read as "account not active".
PASSWORD_CHANGE_STATUS = 428
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when the username is unknown keeps the timing the same. Made
    at the first sign-in, not at import: administration commands import this module too."""
    return _hasher.hash(secrets.token_hex(16))


class LoginRefused(AppError):
    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after  # whole seconds, for the Retry-After header


def account_delay(failures: int) -> timedelta:
    """How long a name waits after ``failures`` wrong answers in a row: nothing for the
    first few, then doubling, capped."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, 30)  # 2**30 s is far past the cap already
    return min(FIRST_ACCOUNT_DELAY * 2 ** doublings, MAX_ACCOUNT_DELAY)


def _too_many(wait: timedelta) -> LoginRefused:
    seconds = max(1, math.ceil(wait.total_seconds()))
    unit = "second" if seconds == 1 else "seconds"
    return LoginRefused(429, f"Too many failed sign-ins. Wait {seconds} {unit} and try again.", seconds)


# --------------------------------------------------------------------------- client address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str | None) -> tuple[Network, ...]:
    """``"10.0.0.5, 10.1.0.0/16, ::1"`` -> networks; raises ValueError naming a bad entry."""
    networks = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or network (like 10.0.0.5 or 10.1.0.0/16)") \
                from None
    return tuple(networks)


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(peer: str | None, forwarded_for: Iterable[str], proxies: Sequence[Network]) -> str:
    """The address to rate-limit: the peer, unless it is a trusted proxy, in which case the
    nearest address in ``X-Forwarded-For`` (read from the right) that is not one of ours.
    Entries a client put there itself sit to the left of the first untrusted hop and are
    never reached."""
    address = peer or "unknown"
    if not proxies:
        return address
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        if not _trusted(address, proxies):
            break
        try:
            address = str(ipaddress.ip_address(hop))
        except ValueError:
            break  # a malformed entry: the last proxy that passed it on is what we know
    return address


@dataclass(frozen=True)
class TokenOwner:
    account_id: str
    staff_id: str
    username: str
    device_id: str
    token_hash: str


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# An administrator's generated one-time password (96 random bits, replaced at first sign-in)
# needs no slow hash to resist guessing, like the tokens: SHA-256 lets an import of 400
# people take seconds instead of minutes of argon2.
ONE_TIME_PREFIX = "sha256-one-time$"


def new_one_time_password() -> tuple[str, str]:
    """(password to hand over, what the account stores)."""
    password = secrets.token_urlsafe(12)
    return password, ONE_TIME_PREFIX + hashlib.sha256(password.encode("utf-8")).hexdigest()


def _verify(stored: str, password: str) -> bool:
    if stored.startswith(ONE_TIME_PREFIX):
        digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
        matched = secrets.compare_digest(stored[len(ONE_TIME_PREFIX):], digest)
        try:  # the same argon2 work as any other answer, so this one is not told by its speed
            _hasher.verify(_dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass
        return matched
    return _hasher.verify(stored, password)


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


def _failure_times(conn: Connection, key: str, since: datetime, limit: int | None = None) -> list[datetime]:
    query = (select(login_failure.c.at).where(login_failure.c.key == key, login_failure.c.at >= since)
             .order_by(login_failure.c.at.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query).scalars())


def _wait_for_address(conn: Connection, addr_key: str, now: datetime) -> timedelta | None:
    recent = _failure_times(conn, addr_key, now - FAILURE_WINDOW, MAX_FAILURES_PER_ADDRESS)
    if len(recent) < MAX_FAILURES_PER_ADDRESS:
        return None
    return recent[-1] + FAILURE_WINDOW - now  # when the oldest counted failure leaves the window


def _wait_for_name(conn: Connection, user_key: str, now: datetime) -> timedelta | None:
    failures = conn.execute(
        select(func.count(), func.max(login_failure.c.at))
        .where(login_failure.c.key == user_key, login_failure.c.at >= now - ACCOUNT_MEMORY)
    ).one()
    count, last = failures
    if not count:
        return None
    wait = last + account_delay(count) - now
    return wait if wait > timedelta(0) else None


def _may_sign_in(conn: Connection, row) -> bool:
    # The same query whoever asks, so that an unknown name is not answered faster.
    active = conn.execute(select(directory_staff.c.active)
                          .where(directory_staff.c.staff_id == (row.staff_id if row else ""))).scalar()
    return row is not None and not row.disabled and bool(active)


def login(conn: Connection, username: str, password: str, device_id: str, address: str,
          lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
          new_password: str | None = None) -> tuple[str, datetime, str]:
    """Check the password and return (token, expires_at, staff_id); raise LoginRefused.
    The caller commits (failures are recorded even when the login is refused).

    With ``new_password`` the password is changed once the old one is checked. An account
    with an administrator's one-time password is refused (428, :data:`PASSWORD_CHANGE_NEEDED`)
    until one is given: said only to someone who typed that password right."""
    now = utcnow_naive()
    user_key, addr_key = f"user:{username.lower()}"[:160], f"addr:{address}"[:160]
    # A refused attempt checks no password and counts for nothing: waiting is enough.
    for wait in (_wait_for_address(conn, addr_key, now), _wait_for_name(conn, user_key, now)):
        if wait is not None:
            raise _too_many(wait)
    row = conn.execute(select(account).where(account.c.username == username)).first()
    ok = False
    try:
        ok = _verify(row.password_hash if row else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    allowed = _may_sign_in(conn, row)
    if row is None or not ok or not allowed:  # (an unknown name is never allowed)
        conn.execute(insert(login_failure), [{"key": user_key, "at": now}, {"key": addr_key, "at": now}])
        conn.execute(delete(login_failure).where(
            login_failure.c.at < now - max(ACCOUNT_MEMORY, 2 * FAILURE_WINDOW)))
        raise LoginRefused(401, WRONG_CREDENTIALS)
    if new_password is not None:
        if len(new_password) < MIN_PASSWORD_LENGTH or new_password == password:
            raise LoginRefused(400, "The new password needs at least 12 characters and must not "
                                    "be the old one.")
        conn.execute(update(account).where(account.c.id == row.id)
                     .values(password_hash=hash_password(new_password), must_change_password=False))
    elif row.must_change_password:
        raise LoginRefused(PASSWORD_CHANGE_STATUS, PASSWORD_CHANGE_NEEDED)
    elif not row.password_hash.startswith(ONE_TIME_PREFIX) and \
            _hasher.check_needs_rehash(row.password_hash):
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


def token_of_leaver(conn: Connection, token: str) -> bool:
    """Whether ``token`` was issued to an account that has since ended (disabled, or its
    person no longer active in the directory): its laptop must drop what it holds. Only a
    token the server issued can say so."""
    if not token or len(token) > 200:
        return False
    row = conn.execute(
        select(account.c.disabled, directory_staff.c.active)
        .select_from(auth_token.join(account, account.c.id == auth_token.c.account_id)
                     .outerjoin(directory_staff, directory_staff.c.staff_id == account.c.staff_id))
        .where(auth_token.c.token_hash == token_digest(token))
    ).first()
    return row is not None and (bool(row.disabled) or row.active is False)


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
