"""Is this profile sound? The audit log's chain, SQLCipher's page check and SQLite's
structure check, reported in words (``supervision-app check-profile`` and the app's weekly
check). Reads only; names entries by number, never what a record holds."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlcipher3

from ..security.audit_chain import ChainReport
from .audit_log import verify_cursor

TELL_IT = ("Tell IT support now, and do not delete, move or copy the profile folder until they "
           "have looked at it.")


@dataclass(frozen=True)
class ProfileCheck:
    audit: ChainReport
    cipher_failures: list[str] = field(default_factory=list)
    integrity_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.audit.ok and not self.cipher_failures and not self.integrity_failures

    def problems(self) -> list[str]:
        """What is wrong, one sentence each (empty when all is well)."""
        found = []
        if not self.audit.ok:
            found.append(f"The audit log has been changed outside the app: {self.audit.problem}.")
        if self.cipher_failures:
            found.append(f"{len(self.cipher_failures)} part(s) of the encrypted database file fail "
                         "their check: the file is damaged or was changed outside the app.")
        if self.integrity_failures:
            found.append("The database's structure is damaged ("
                         + "; ".join(self.integrity_failures[:3]) + ").")
        return found

    def in_words(self) -> str:
        if self.ok:
            return (f"All is well: the audit log's {self.audit.entries_checked} entries link up "
                    "unbroken, every page of the encrypted database passes its check, and the "
                    "database's structure is sound.")
        return "\n".join([*self.problems(), TELL_IT])


def check_profile(db) -> ProfileCheck:
    """Run the three checks on an open :class:`~.database.Database`. A page that cannot be
    decrypted stops the check that reads it; it is reported, and the others still run."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            audit = verify_cursor(cursor)
        except sqlcipher3.DatabaseError:
            audit = ChainReport(False, 0, None, "part of it cannot be read (the file is damaged)")
        cipher = _pragma_lines(cursor, "cipher_integrity_check")
        integrity = [line for line in _pragma_lines(cursor, "integrity_check") if line != "ok"]
        cursor.close()
    finally:
        raw.close()
    return ProfileCheck(audit, cipher, integrity)


def _pragma_lines(cursor, pragma: str) -> list[str]:
    try:
        return [str(row[0]) for row in cursor.execute(f"PRAGMA {pragma}")]
    except sqlcipher3.DatabaseError:
        return ["a page cannot be decrypted"]
