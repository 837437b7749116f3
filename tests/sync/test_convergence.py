"""Three laptops (a manager's two and the supervisee's) make random edits and sync
through random faults: the server killed mid-push, connections cut before the request
or before the answer, requests delivered twice or late, laptops switched off between
push and saving the cursor. When the faults stop, every laptop holds exactly what the
server says it may, and nothing typed was lost: every change reached the server once
with an outcome, and every change that lost is kept on its laptop as a conflict."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import keyring
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test
from sqlalchemy import select, text

from supervision_app.store import models as m
from supervision_app.store.outbox import snapshot
from supervision_app.sync import protocol as p
from supervision_app.sync.client import SyncError
from tests.memory_keyring import MemoryKeyring
from tests.sync import records as r
from tests.sync.harness import Laptop

FAULTS = [None, None, None, "drop", "lose_answer", "duplicate", "hold", "lose_pull_answer",
          "switched_off_after_push", "kill_server"]


def laptop_state(laptop: Laptop) -> dict[str, dict]:
    out = {}
    with laptop.db.reading() as s:
        for table in p.SYNCED_TABLES:
            model = p.MODEL_FOR_TABLE[table]
            for row in s.execute(select(model)).scalars():
                out[row.id] = snapshot(row)
    return out


def _certificates(deployment) -> dict[str, str]:
    """Signing certificates from the deployment's CA for the two signers (the server
    refuses a signature without one)."""
    from cryptography.hazmat.primitives import serialization

    from supervision_app.security import pki
    from supervision_app.sync.server import certificates
    from tests.sync.harness import CA_PASSPHRASE

    out = {}
    with deployment.engine.begin() as conn:
        for who in ("tm_a", "sw_a1"):
            csr = pki.make_csr(pki.generate_user_key(), who).public_bytes(serialization.Encoding.PEM)
            cert_pem, _ca, _serial = certificates.issue(conn, CA_PASSPHRASE.encode(),
                                                        deployment.org.ids[who], csr.decode())
            out[deployment.org.ids[who]] = cert_pem.decode()
    return out


def search_index(laptop: Laptop) -> list[tuple]:
    with laptop.db.reading() as s:
        return sorted(s.execute(text(
            "select k.kind, k.record_id, k.section, k.session_id, k.team_id, t.body, t.folded "
            "from search_key k join search_text t on t.rowid = k.rowid")).all())


def test_laptops_converge_through_faults(deployment, tmp_path):
    org = deployment.org
    counter = iter(range(10**6))
    signing_certificates = _certificates(deployment)

    class Machine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            keyring.set_keyring(MemoryKeyring())
            base = tmp_path / f"ex{next(counter)}"
            self.laptops = [Laptop(base / "tm1", deployment.url, "tm_a", faulty=True),
                            Laptop(base / "tm2", deployment.url, "tm_a", faulty=True),
                            Laptop(base / "sw", deployment.url, "sw_a1", faulty=True)]
            self._bulk(self.laptops[1])
            self.base = base
            self.sessions: list[str] = []
            self.outboxed: list[dict[str, str]] = [{}, {}, {}]  # mutation id -> row id
            self.kills = 0
            self.n = 0

        @staticmethod
        def _bulk(laptop: Laptop) -> None:
            """Every page this laptop pulls takes the first-sync path: triggers suspended,
            pages several to a transaction, the search index written before the commit."""
            laptop.client.bulk_rows = 1
            laptop.client.bulk_transaction_rows = 3
            laptop.client.page_size = 2

        def _token(self) -> str:
            self.n += 1
            return f"t{self.n}"

        def _session(self, who: int, pick: int):
            sid = self.sessions[pick % len(self.sessions)]
            return sid, r.get(self.laptops[who], m.SupervisionSession, sid)

        @rule(who=st.integers(0, 1))
        def create_session(self, who):
            self.sessions.append(r.new_session(
                self.laptops[who], supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"],
                team=org.teams["A"], learning=self._token()))

        @precondition(lambda self: self.sessions)
        @rule(who=st.integers(0, 1), pick=st.integers(0, 50))
        def edit_draft(self, who, pick):
            sid, row = self._session(who, pick)
            if row is not None and row.state == "draft":
                r.edit(self.laptops[who], m.SupervisionSession, sid, learning=self._token())

        @precondition(lambda self: self.sessions)
        @rule(who=st.integers(0, 1), pick=st.integers(0, 50))
        def add_discussion(self, who, pick):
            sid, row = self._session(who, pick)
            if row is not None and row.state == "draft":
                r.add_discussion(self.laptops[who], sid, org.children["a"], decision=self._token())

        @precondition(lambda self: self.sessions)
        @rule(who=st.integers(0, 1), pick=st.integers(0, 50))
        def share_or_withdraw(self, who, pick):
            sid, row = self._session(who, pick)
            if row is not None and row.state in ("draft", "shared"):
                new = "shared" if row.state == "draft" else "draft"
                r.edit(self.laptops[who], m.SupervisionSession, sid, state=new)

        @precondition(lambda self: self.sessions)
        @rule(pick=st.integers(0, 50))
        def respond(self, pick):
            sid, row = self._session(2, pick)
            if row is not None and row.state == "shared":
                r.edit(self.laptops[2], m.SupervisionSession, sid, supervisee_comments=self._token())

        @precondition(lambda self: self.sessions)
        @rule(who=st.integers(0, 2), pick=st.integers(0, 50))
        def sign(self, who, pick):
            sid, row = self._session(who, pick)
            if row is None:
                return
            if who < 2 and row.state == "shared":
                state, role, signer = "supervisor_signed", "supervisor", org.ids["tm_a"]
            elif who == 2 and row.state == "supervisor_signed":
                state, role, signer = "locked", "supervisee", org.ids["sw_a1"]
            else:
                return
            with self.laptops[who].db.transaction() as s:
                s.get(m.SupervisionSession, sid).state = state
                s.add(m.Signature(record_kind="supervision", record_id=sid, signer_id=signer,
                                  signer_role=role, signed_at=datetime.now(timezone.utc),
                                  digest="ab" * 32, certificate_pem=signing_certificates[signer]))

        @rule(who=st.integers(0, 2), fault=st.sampled_from(FAULTS))
        def sync(self, who, fault):
            laptop = self.laptops[who]
            with laptop.db.reading() as s:
                for mid, row_id in s.execute(text("select mutation_id, row_id from sync_outbox")):
                    self.outboxed[who][mid] = row_id
            transport = laptop.transport
            if fault in ("drop", "lose_answer", "duplicate", "hold"):
                transport.plan = ("/v1/push", fault)
            elif fault == "lose_pull_answer":
                transport.plan = ("/v1/pull", "lose_answer")
            elif fault == "switched_off_after_push":
                transport.plan = ("/v1/push", "lose_answer")
            if fault == "kill_server" and self.kills < 1:
                self.kills += 1
                errors: list[Exception] = []
                worker = threading.Thread(target=self._sync_quietly, args=(laptop, errors))
                worker.start()
                time.sleep(0.005 * (self.n % 5))
                deployment.server.kill()
                worker.join()
                deployment.server.start()
                return
            try:
                laptop.client.sync()
            except SyncError:
                pass
            transport.plan = None
            if fault == "switched_off_after_push":
                laptop.restart()
                if who == 1:
                    self._bulk(laptop)

        @staticmethod
        def _sync_quietly(laptop, errors):
            try:
                laptop.client.sync()
            except SyncError as error:
                errors.append(error)

        def teardown(self):
            if not hasattr(self, "laptops"):
                return
            try:
                for laptop in self.laptops:
                    if laptop.transport is not None:
                        laptop.transport.plan = None
                for _round in range(3):
                    for who, laptop in enumerate(self.laptops):
                        with laptop.db.reading() as s:
                            for mid, row_id in s.execute(text("select mutation_id, row_id from sync_outbox")):
                                self.outboxed[who][mid] = row_id
                        laptop.client.sync()
                self._check()
            finally:
                for laptop in self.laptops:
                    laptop.close()

        def _check(self):
            tm_truth = Laptop(self.base / "fresh-tm", deployment.url, "tm_a")
            sw_truth = Laptop(self.base / "fresh-sw", deployment.url, "sw_a1")
            try:
                expected = [laptop_state(tm_truth)] * 2 + [laptop_state(sw_truth)]
                self._compare(expected, tm_truth, sw_truth)
            finally:
                tm_truth.close()
                sw_truth.close()

        def _compare(self, expected, tm_truth, sw_truth):
            with deployment.engine.connect() as conn:
                outcomes = dict(conn.execute(text("select mutation_id, status from mutation")).all())
            for who, laptop in enumerate(self.laptops):
                state = laptop_state(laptop)
                assert state == expected[who], f"laptop {who} differs from the server"
                assert search_index(laptop) == search_index(tm_truth if who < 2 else sw_truth), who
                status = laptop.client.status()
                assert status.pending_changes == 0
                kept = {c.row_id for c in laptop.client.pending_conflicts()}
                for mid, row_id in self.outboxed[who].items():
                    outcome = outcomes.get(mid)
                    if outcome in (None, "conflict", "rejected"):
                        # never sent (a later change to a row that lost) or lost: kept here
                        assert row_id in kept, (who, mid, outcome)

    Machine.TestCase.settings = settings(
        max_examples=int(__import__("os").environ.get("SYNC_EXAMPLES", "6")), stateful_step_count=int(__import__("os").environ.get("SYNC_STEPS", "25")), deadline=None,
        suppress_health_check=list(HealthCheck))
    previous = keyring.get_keyring()
    try:
        run_state_machine_as_test(Machine, settings=Machine.TestCase.settings)
    finally:
        keyring.set_keyring(previous)
