"""How a row deleted under the retention schedule (DESIGN.md §3.10) stays in the server's
``record`` table: its id, table, a new sequence number and the permission facts it had
(``auth_history``), with no data and these facts. Nobody may hold it, so a pull sends each
laptop that could see it a removal notice (the same notice as for access that ended), and
no change to it is accepted. Kept apart from :mod:`.retention` so that :mod:`.storage` can
ask without importing the module that writes the deletions."""
from __future__ import annotations

from typing import Any

DELETED = "retention_deleted"
# "_table" is not the row's table: a part pushed under a deleted record is then refused as
# "the record this belongs to is not on the server" by ``row_facts.compute_facts``.
DELETED_FACTS: dict[str, Any] = {"k": DELETED, "_table": DELETED}
REFUSAL = ("This record was deleted under the organisation's retention schedule; "
           "the change cannot be kept.")


def is_deleted(facts: dict[str, Any] | None) -> bool:
    return facts is not None and facts.get("k") == DELETED
