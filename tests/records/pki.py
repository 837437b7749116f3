"""A test PKI built in code: people with keys and certificates from a throw-away CA, and
the signing times the sample records use (the real clock: certificates and signature
checks are relative to now)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from supervision_app.security.pki import CertificateAuthority, generate_user_key, make_csr

_NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
SIGN_TIME_1 = _NOW - dt.timedelta(hours=2)
SIGN_TIME_2 = _NOW - dt.timedelta(hours=1)


@dataclass
class Person:
    name: str
    key: object
    cert: object


@dataclass
class PkiBundle:
    ca: CertificateAuthority
    supervisor: Person
    supervisee: Person

    @property
    def chain(self):
        return [self.ca.certificate]


def make_person(ca: CertificateAuthority, name: str, staff_id: str, role: str, **kwargs) -> Person:
    key = generate_user_key()
    kwargs.setdefault("not_before", _NOW - dt.timedelta(days=30))
    cert = ca.issue_user_certificate(make_csr(key, name), name, staff_id, role, **kwargs)
    return Person(name, key, cert)
