"""The sync server's HTTP API (FastAPI).

Request bodies are read by a size-limiting middleware and parsed with pydantic from the
raw bytes, so malformed, oversized, deeply nested or otherwise hostile input gets a 4xx
with a plain message, never a 500. Handlers never log record contents or secrets.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from datetime import timezone
from typing import Annotated, Any, AsyncIterator

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...domain.permissions import Actor, Decision
from ...errors import AppError
from ...version import __version__
from .. import protocol as p
from . import accounts, actors, archive, authz, certificates, pull_pages, push_apply, timestamping
from .document_check import Examiner, examine_here
from .document_workers import DocumentWorkers

log = logging.getLogger("supervision_app.sync.server")

#: How long a stopping server lets the archiver finish the record under way (one time stamp
#: from our own TSA takes well under a second; an external one may take up to its timeout).
ARCHIVER_STOP_SECONDS = 5.0


class ApiError(AppError):
    def __init__(self, status: int, message: str, detail: Any = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail
        self.retry_after = retry_after


# What each error status means, for the OpenAPI document. Every error the server sends is
# one JSON shape, protocol.ErrorBody: {"error": words for a person, "detail": optional, for
# 422 a list of {"where", "problem"}}.
_ERROR_MEANINGS = {
    400: "The request has no body; send a JSON object.",
    401: "Not signed in, or the sign-in has expired or been revoked.",
    403: "Signed in, but not allowed this (account no longer active, another device's sign-in).",
    404: "There is nothing here yet (the server has no certificate authority).",
    409: "The request conflicts with the server's state.",
    413: "The request body is larger than the server accepts.",
    422: "The request does not match the sync protocol; `detail` says where and what.",
    428: "One more thing is needed first (a new password in place of a one-time one).",
    429: "Too many attempts; wait before trying again.",
    503: "The server is busy or cannot do this now; try again shortly.",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                                "schema": {"type": "integer", "minimum": 1}}}


def error_responses(*statuses: int, retry_after: tuple[int, ...] = (),
                    **meanings: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the one error body and what it means
    there (``meanings`` as ``e403="..."`` override the general words)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": p.ErrorBody,
                                 "description": meanings.get(f"e{status}", _ERROR_MEANINGS[status])}
        if status in retry_after:
            entry["headers"] = _RETRY_AFTER
        documented[status] = entry
    return documented


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before anything parses them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = True
            if too_big:
                await _plain_error(send, 413, f"The request is larger than {self.limit} bytes.")
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await _plain_error(send, 413, f"The request is larger than {self.limit} bytes.")
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay_receive() -> Message:
            if replay:
                return replay.pop()
            return await receive()

        await self.app(scope, replay_receive, send)


async def _plain_error(send: Send, status: int, message: str) -> None:
    body = JSONResponse({"error": message}, status_code=status).body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _parse(model: type[BaseModel], body: bytes):
    if not body:
        raise ApiError(400, "The request has no body; send a JSON object.")
    try:
        # strict: the types the published schema states (``false`` is not an integer, "5" is
        # not a number); JSON strings still carry times and ids.
        return model.model_validate_json(body, strict=True)
    except ValidationError as error:
        problems = [
            {"where": ".".join(str(part) for part in e["loc"]), "problem": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)[:20]
        ]
        raise ApiError(422, "The request does not match the sync protocol.", problems) from None


def _request_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    for model in (p.LoginRequest, p.PushRequest, p.CertificateRequest):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components[model.__name__] = schema
    return openapi


def _bearer_security(openapi: dict[str, Any]) -> dict[str, Any]:
    """Routes that need a sign-in say so as a bearer security requirement (the token from
    /v1/login), instead of an optional ``authorization`` header parameter."""
    schemes = openapi.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["bearer"] = {"type": "http", "scheme": "bearer",
                         "description": "The token /v1/login returns."}
    for path in openapi.get("paths", {}).values():
        for operation in path.values():
            parameters = operation.get("parameters", [])
            kept = [q for q in parameters if not (q.get("in") == "header"
                                                  and q.get("name", "").lower() == "authorization")]
            if len(kept) != len(parameters):
                operation["security"] = [{"bearer": []}]
                if kept:
                    operation["parameters"] = kept
                else:
                    operation.pop("parameters", None)
    return openapi


class Context:
    def __init__(self, engine: Engine, token_lifetime, ca_passphrase: bytes | None = None,
                 certificate_days: int = certificates.DEFAULT_VALID_DAYS,
                 trusted_proxies: str | None = None, timestamp_url: str | None = None,
                 timestamp_policy: str | None = None,
                 document_workers: DocumentWorkers | None = None) -> None:
        self.engine = engine
        # reads and verifies a push's signed copies: in worker processes when the server
        # started them (cli), else in this process before the push takes its lock
        self.examiner: Examiner = document_workers.submit if document_workers else examine_here
        self.timestamp_url = timestamp_url
        self.timestamp_policy = timestamp_policy or timestamping.DEFAULT_POLICY_OID
        self.token_lifetime = token_lifetime
        self.ca_passphrase = ca_passphrase  # never logged
        self.certificate_days = certificate_days
        self.trusted_proxies = accounts.parse_trusted_proxies(trusted_proxies)
        # time stamps need the TSA key (the CA passphrase) or an external TSA
        self.archiver = (archive.Archiver(engine, ca_passphrase, url=timestamp_url,
                                          policy=self.timestamp_policy)
                         if ca_passphrase or timestamp_url else None)


ACCOUNT_ENDED_WORDS = ("Your account is no longer active, so this laptop no longer holds "
                       "records; ask your manager or IT if this is a mistake.")


def _authenticate(ctx: "Context", token: str) -> tuple[accounts.TokenOwner, Actor, str | None]:
    with ctx.engine.connect() as conn:
        owner = accounts.check_token(conn, token)
        if owner is None:
            if accounts.token_of_leaver(conn, token):
                raise ApiError(403, ACCOUNT_ENDED_WORDS, detail=p.ACCOUNT_ENDED)
            raise ApiError(401, "Your sign-in has expired or been revoked; sign in again.")
        loaded = actors.load_actor(conn, owner.staff_id)
    if loaded is None:
        raise ApiError(403, ACCOUNT_ENDED_WORDS, detail=p.ACCOUNT_ENDED)
    actor, team_id = loaded
    return owner, actor, team_id


async def signed_in(
    request: Request,
    authorization: Annotated[str | None, Header(max_length=300)] = None,
) -> tuple[accounts.TokenOwner, Actor, str | None]:
    if not authorization or not authorization.startswith("Bearer "):
        raise ApiError(401, "Sign in first: send 'Authorization: Bearer <token>'.")
    return await run_in_threadpool(_authenticate, request.app.state.ctx, authorization[7:].strip())


Auth = Annotated[tuple, Depends(signed_in)]


def create_app(engine: Engine, *, token_lifetime=accounts.DEFAULT_TOKEN_LIFETIME,
               body_limit: int = p.MAX_REQUEST_BYTES, ca_passphrase: bytes | None = None,
               certificate_days: int = certificates.DEFAULT_VALID_DAYS,
               trusted_proxies: str | None = None, timestamp_url: str | None = None,
               timestamp_policy: str | None = None,
               document_workers: DocumentWorkers | None = None) -> FastAPI:
    """``trusted_proxies``: addresses or networks (comma-separated) of the reverse proxies
    whose ``X-Forwarded-For`` names the client; by default none, and the peer is the client.
    ``document_workers``: the processes that read pushed signed copies (started and ended by
    the caller); by default the server's own process reads them."""
    ctx = Context(engine, token_lifetime, ca_passphrase, certificate_days, trusted_proxies,
                  timestamp_url, timestamp_policy, document_workers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if ctx.archiver is not None:
            # what the last run left waiting for the archiver (stopped, killed, no TSA key)
            # is archived now, in the background, not at the nightly renew-timestamps
            ctx.archiver.sweep_pending()
        yield
        if ctx.archiver is not None:
            # after the last request: the record being archived may finish; the rest is
            # left to renew-timestamps (each record is its own transaction)
            await run_in_threadpool(ctx.archiver.close, ARCHIVER_STOP_SECONDS)

    app = FastAPI(
        title="Supervision Recorder sync server",
        version=__version__,
        description="Push local changes, pull what you may see. See supervision_app.sync.protocol.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        body: dict[str, Any] = {"error": error.message}
        if error.detail is not None:
            body["detail"] = error.detail
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        return JSONResponse(body, status_code=error.status, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(part) for part in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in error.errors()[:20]
        ]
        return JSONResponse({"error": "The request is not valid.", "detail": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            # Allow lists every method of the path: Starlette names only the first route's,
            # and GET and POST /v1/certificates are two routes.
            methods = {method for route in app.router.routes
                       if isinstance(route, Route) and route.methods and route.path_regex.match(request.url.path)
                       for method in route.methods}
            headers["Allow"] = ", ".join(sorted(methods))
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code,
                            headers=headers or None)

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, error: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
        return JSONResponse({"error": "The server is busy; try again shortly."}, status_code=503,
                            headers={"Retry-After": "2"})

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(error).__name__)  # never the contents
        return JSONResponse({"error": "The server could not handle this request."}, status_code=500)

    @app.get("/version", tags=["server"])
    @app.get("/v1/version", tags=["server"])
    async def version() -> dict[str, Any]:
        """The release (one number, from pyproject.toml) and the sync protocol spoken."""
        return {"version": __version__, "protocol": p.PROTOCOL_VERSION}

    @app.get("/v1/health", tags=["server"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/login", response_model=p.LoginResponse, tags=["accounts"],
              responses=error_responses(
                  400, 401, 413, 422, 428, 429, 503, retry_after=(429, 503),
                  e401="The username or password is not right (the same answer for an unknown "
                       "name and a disabled account).",
                  e428="The password is an administrator's one-time password: sign in again "
                       "with new_password set to a password of the person's own.",
                  e429="Too many failed sign-ins for this name or from this address; Retry-After "
                       "says how many seconds to wait."),
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/LoginRequest"}}}}})
    async def login(request: Request) -> JSONResponse:
        body = _parse(p.LoginRequest, await request.body())
        address = accounts.client_address(request.client.host if request.client else None,
                                          request.headers.getlist("x-forwarded-for"),
                                          ctx.trusted_proxies)

        def work():
            with ctx.engine.begin() as conn:
                try:
                    token, expires, staff_id = accounts.login(
                        conn, body.username, body.password, body.device_id, address, ctx.token_lifetime,
                        new_password=body.new_password)
                except accounts.LoginRefused as refused:
                    return refused
                loaded = actors.load_actor(conn, staff_id)
            return token, expires, staff_id, loaded

        outcome = await run_in_threadpool(work)
        if isinstance(outcome, accounts.LoginRefused):
            log.info("login refused: username_len=%d address=%s status=%d",
                     len(body.username), address, outcome.status)
            raise ApiError(outcome.status, outcome.message, retry_after=outcome.retry_after)
        token, expires, staff_id, loaded = outcome
        if loaded is None:  # made inactive between the password check and now
            raise ApiError(401, accounts.WRONG_CREDENTIALS)
        log.info("login: staff=%s device=%s", staff_id, body.device_id)
        return JSONResponse(p.LoginResponse(
            token=token, expires_at=expires.replace(tzinfo=timezone.utc),
            staff_id=staff_id, role=loaded[0].role.value).model_dump(mode="json"))

    @app.post("/v1/logout", tags=["accounts"],
              responses=error_responses(401, 403, 422, 503, retry_after=(503,)))
    async def logout(auth: Auth) -> dict[str, str]:
        owner = auth[0]

        def work():
            with ctx.engine.begin() as conn:
                accounts.revoke_token(conn, owner.token_hash)

        await run_in_threadpool(work)
        return {"status": "signed out"}

    @app.get("/v1/me", response_model=p.Me, tags=["accounts"],
             responses=error_responses(401, 403, 422, 503, retry_after=(503,)))
    async def me(auth: Auth) -> p.Me:
        owner, actor, team_id = auth
        return p.Me(staff_id=actor.staff_id, username=owner.username, role=actor.role.value,
                    team_id=team_id, managed_team_ids=sorted(actor.managed_team_ids))

    @app.post("/v1/push", response_model=p.PushResponse, tags=["sync"],
              responses=error_responses(400, 401, 403, 413, 422, 503, retry_after=(503,)),
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/PushRequest"}}}}})
    async def push(request: Request, auth: Auth) -> JSONResponse:
        owner, actor, _team = auth
        body = _parse(p.PushRequest, await request.body())
        if body.device_id != owner.device_id:
            raise ApiError(403, "This sign-in belongs to another device.")

        def work():
            return push_apply.push(ctx.engine, actor, body, ctx.examiner)

        outcome = await run_in_threadpool(work)
        touched = {m.row.data.get("record_id") for m in body.mutations
                   if m.row.table == "record_document"} - {None}
        archiving = None
        if touched and ctx.archiver is not None:
            # Once the answer is sent, in the background: a record just locked gets its
            # validation data and document time stamp (B-LTA), a copy signed offline its first
            # proof of time; the signers' laptops pull the new copies at their next sync.
            archiving = BackgroundTask(ctx.archiver.submit, sorted(str(rid) for rid in touched))
        return JSONResponse({"results": outcome.results, "audit": outcome.audit},
                            media_type="application/json", background=archiving)

    @app.post("/v1/timestamp", tags=["certificates"], response_class=Response,
              responses={200: {"description": "an RFC 3161 TimeStampResp (DER), granted or "
                                               "rejected with the reason",
                               "content": {"application/timestamp-reply": {
                                   "schema": {"type": "string", "format": "binary"}}}},
                         **error_responses(
                             401, 403, 404, 413, 422, 503, retry_after=(503,),
                             e404="This server has no certificate authority (so no time-stamping "
                                  "authority) yet.",
                             e422="The body is not an RFC 3161 TimeStampReq.",
                             e503="The server cannot use its time-stamping key now (CA passphrase "
                                  "missing), the external authority did not answer, or it is busy.")},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/timestamp-query": {"schema": {"type": "string", "format": "binary"}}}}})
    async def timestamp(request: Request, auth: Auth) -> Response:
        """RFC 3161 over HTTP: a time stamp token from the organisation's time-stamping
        authority (or the external one the server is configured with) for a signed-in
        person's signature."""
        body = await request.body()
        if not body or len(body) > timestamping.MAX_REQUEST_BYTES or body[:1] != b"\x30":
            raise ApiError(422, "Send an RFC 3161 time stamp request (application/timestamp-query).")

        def work():
            try:
                if ctx.timestamp_url:
                    return timestamping.forward_request(ctx.timestamp_url, body)
                with ctx.engine.begin() as conn:
                    authority = timestamping.unlock_tsa(conn, ctx.ca_passphrase,
                                                        policy=ctx.timestamp_policy)
                return authority.respond(body)
            except (timestamping.TsaError, certificates.CertificateError) as refused:
                return refused

        outcome = await run_in_threadpool(work)
        if isinstance(outcome, (timestamping.TsaError, certificates.CertificateError)):
            raise ApiError(outcome.status, outcome.message)
        return Response(outcome, media_type="application/timestamp-reply")

    @app.get("/v1/pull", response_model=p.PullResponse, tags=["sync"],
             responses=error_responses(401, 403, 422, 503, retry_after=(503,)))
    async def pull(
        auth: Auth,
        after: Annotated[int, Query(ge=0, le=2**62, description="the cursor: last seq held")] = 0,
        limit: Annotated[int, Query(ge=1, le=p.MAX_PAGE)] = p.DEFAULT_PAGE,
        access: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-f]*$")] = None,
    ) -> Response:
        _owner, actor, team_id = auth
        fingerprint = actors.access_fingerprint(actor, team_id)

        def work() -> str:
            with ctx.engine.connect() as conn:
                return pull_pages.pull_page(conn, actor, fingerprint, after, limit, access or None)

        text = await run_in_threadpool(work)
        return Response(text, media_type="application/json")

    @app.post("/v1/certificates", response_model=p.CertificateIssued, tags=["certificates"],
              responses=error_responses(
                  400, 401, 403, 404, 413, 422, 429, 503,
                  e403="Not allowed: the account is not active, or its certificate was revoked "
                       "(sign in again first).",
                  e422="Not a readable PEM certificate request (CSR), or not one the CA will "
                       "certify; or the body does not match the protocol.",
                  e429="Too many certificates were issued to you today; try again tomorrow.",
                  e503="The server cannot use its CA key now (passphrase missing) or is busy."),
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/CertificateRequest"}}}}})
    async def issue_certificate(request: Request, auth: Auth) -> JSONResponse:
        """Certify the signed-in person's signing key. The certificate names them as the
        directory does (name, staff id, role), whatever the request claims. The certificates
        this device held before are revoked as superseded; after an administrator's
        revocation a new one needs a fresh sign-in (or ``allow-new-certificate``)."""
        owner, actor, _team = auth
        body = _parse(p.CertificateRequest, await request.body())

        def work():
            with ctx.engine.begin() as conn:
                try:
                    return certificates.issue(conn, ctx.ca_passphrase, actor.staff_id, body.csr_pem,
                                              device_id=owner.device_id, token_hash=owner.token_hash,
                                              valid_days=ctx.certificate_days)
                except certificates.CertificateError as refused:
                    return refused

        outcome = await run_in_threadpool(work)
        if isinstance(outcome, certificates.CertificateError):
            authz.log_decision(actor, "issue_certificate", "certificate", actor.staff_id,
                               Decision(False, outcome.message))
            raise ApiError(outcome.status, outcome.message)
        cert_pem, ca_pem, serial = outcome
        authz.log_decision(actor, "issue_certificate", "certificate", actor.staff_id,
                           Decision(True, f"own key, serial {serial}"))
        return JSONResponse(p.CertificateIssued(
            certificate_pem=cert_pem.decode(), ca_certificate_pem=ca_pem.decode(),
            serial=str(serial)).model_dump(mode="json"))

    @app.get("/v1/certificates", response_model=p.MyCertificates, tags=["certificates"],
             responses=error_responses(401, 403, 422, 503, retry_after=(503,)))
    async def my_certificates(auth: Auth) -> JSONResponse:
        """The signed-in person's own certificates (revoked when and why), and whether this
        sign-in may enrol a new key now (``refusal`` says why not)."""
        owner, actor, _team = auth

        def work():
            with ctx.engine.connect() as conn:
                return (certificates.certificates_of(conn, actor.staff_id),
                        certificates.may_enrol(conn, actor.staff_id, owner.token_hash))

        issued, refusal = await run_in_threadpool(work)
        return JSONResponse(p.MyCertificates(
            certificates=[p.CertificateEntry(**c.as_json()) for c in issued],
            refusal=refusal).model_dump(mode="json"))

    _PEM = {"content": {"application/x-pem-file": {"schema": {"type": "string"}}}}

    @app.get("/v1/ca", tags=["certificates"], response_class=Response,
             responses={200: _PEM, **error_responses(404, 503, retry_after=(503,))})
    async def ca_certificate() -> Response:
        """The organisation CA certificate, to check signatures and signed PDFs against."""
        def work():
            with ctx.engine.connect() as conn:
                return certificates.active_ca(conn)

        stored = await run_in_threadpool(work)
        if stored is None:
            raise ApiError(404, "This server has no certificate authority yet.")
        return Response(stored.certificate_pem, media_type="application/x-pem-file",
                        headers={"ETag": certificates.etag(stored.certificate_pem)})

    @app.get("/v1/crl", tags=["certificates"], response_class=Response,
             responses={200: _PEM, 304: {"description": "unchanged since the ETag sent"},
                        **error_responses(404, 422, 503, retry_after=(503,))})
    async def revocation_list(
        if_none_match: Annotated[str | None, Header(max_length=100)] = None,
    ) -> Response:
        """The CA's current certificate revocation list."""
        def work():
            with ctx.engine.begin() as conn:
                return certificates.current_crl(conn, ctx.ca_passphrase)

        crl_pem = await run_in_threadpool(work)
        if crl_pem is None:
            raise ApiError(404, "This server has no certificate authority yet.")
        tag = certificates.etag(crl_pem)
        if if_none_match == tag:
            return Response(status_code=304, headers={"ETag": tag})
        return Response(crl_pem, media_type="application/x-pem-file", headers={"ETag": tag})

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            app.openapi_schema = _bearer_security(_request_schemas(schema))
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, limit=body_limit)
    return app
