"""The error a pushed mutation is refused with, and whether it is rejected or a conflict."""
from __future__ import annotations

from ...errors import AppError


class Refused(AppError):
    """A mutation that cannot be applied; ``status`` is 'rejected' or 'conflict'."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
