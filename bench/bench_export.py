"""Sign-off and bulk export throughput (issue 5): records signed by supervisor and supervisee
per second through the real flow, and signed records exported to a folder per second.

Run from the repository root: ``python bench/bench_export.py [N]``. Uses an in-memory keyring
(bench only) and a throwaway profile; prints figures, asserts nothing.
"""
import os
import sys
import tempfile
import time

import keyring

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pathlib import Path

from tests.memory_keyring import MemoryKeyring

keyring.set_keyring(MemoryKeyring())  # before the app's modules can reach the real keyring
from supervision_app.records.export import export_records, locked_sessions  # noqa: E402
from supervision_app.records.signoff import sign_supervision_record  # noqa: E402
from supervision_app.security.credentials import CredentialStore  # noqa: E402
from supervision_app.security.secret_store import SecretStore  # noqa: E402
from supervision_app.store.database import open_database  # noqa: E402
from tests.store.builders import make_session, make_team  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 40
d = Path(tempfile.mkdtemp())
db = open_database(d / "p")
team, m, w, c = make_team(db)
store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
for p, r in ((m, "team_manager"), (w, "social_worker")):
    store.ensure_local_credentials(p.id, p.display_name, r)
t = time.perf_counter()
for _ in range(N):
    s, _, _ = make_session(db, m, w, c, state="shared")
    sign_supervision_record(db, store, session_id=s.id, signer_id=m.id)
    sign_supervision_record(db, store, session_id=s.id, signer_id=w.id)
sign_time = time.perf_counter() - t
ids = locked_sessions(db, actor_id=m.id, worker_ids=[w.id])
t = time.perf_counter()
res = export_records(db, actor_id=m.id, session_ids=ids, folder=d / "out")
e = time.perf_counter() - t
print(f"sign-off (render + 2 signatures + commit): {N / sign_time:.1f} records/s")
print(f"bulk export of {len(res.written)} signed records: {len(res.written)/e:.0f} records/s")
