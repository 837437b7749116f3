"""The two CI workers finish together (``.ci/run``: ``-n 2 --dist loadfile``).

xdist hands out whole test files, those with the most tests first. Files with few but long
tests (a real server per test, a property run, a journey's several processes) then came
last and ran alone for minutes at the end of the run. These files start first instead,
longest first, as measured with ``--durations`` on the 2-core machine (7 December 2026); a
file not listed keeps xdist's place for it.

A file's tests always run together on one worker. So do the files of a package listed in
:data:`ONE_WORKER_PACKAGES`: they share a package-scoped fixture too slow to build twice.
"""
from __future__ import annotations

from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

LONGEST_FIRST = (
    "tests/sync/test_retention_server.py",
    "tests/sync/test_hostile_laptop_property.py",
    "tests/sync/test_accounts_and_hostile_input.py",
    "tests/sync/test_convergence.py",
    "tests/sync/test_admin_cli.py",
    "tests/sync/test_signatures_after_move.py",
    "tests/packaging/test_bundle.py",
    "tests/sync/test_long_term_signatures.py",
    "tests/demo/",
    "tests/gui/test_atspi.py",
    "tests/journeys/test_journey_kill_during_sync.py",
    "tests/gui/test_first_run.py",
    "tests/sync/test_openapi_contract.py",
    "tests/sync/test_server_startup.py",
    "tests/sync/test_certificates.py",
    "tests/sync/test_offline_signature_stamped.py",
    "tests/journeys/test_journey_worker_moves_team.py",
    "tests/journeys/test_journey_go_live_import.py",
    "tests/journeys/test_journey_leaver.py",
    "tests/journeys/test_journey_agreement.py",
    "tests/journeys/test_journey_retention.py",
    "tests/journeys/test_journey_group_supervision.py",
    "tests/sync/test_first_sync.py",
    "tests/journeys/test_journey_signoff.py",
)

#: Packages whose files go to one worker as one unit (their tests share one demo profile,
#: about a minute to sign: tests/demo/conftest.py).
ONE_WORKER_PACKAGES = ("tests/demo/",)


class LongestFirstScheduling(LoadFileScheduling):
    """xdist's whole-file scheduling with the known long files moved to the front of the
    queue before the first file is handed out."""

    _ordered = False

    def _split_scope(self, nodeid: str) -> str:
        path = super()._split_scope(nodeid)
        return next((package for package in ONE_WORKER_PACKAGES if path.startswith(package)), path)

    def _assign_work_unit(self, node: WorkerController) -> None:
        if not self._ordered:
            self._ordered = True
            rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
            queue = sorted(self.workqueue.items(), key=lambda item: rank.get(item[0], len(rank)))
            self.workqueue.clear()
            self.workqueue.update(queue)
        super()._assign_work_unit(node)
