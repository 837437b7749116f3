"""The one base of the app's own errors.

Every exception class the app defines derives from :class:`AppError` (keeping another base,
such as ``ValueError`` or ``PermissionError``, where code catches that), so "an error we
raised on purpose, with words for the person" is one ``isinstance`` check
(``gui/tasks.expected_errors``), and anything else is a bug to log without its message.
"""
from __future__ import annotations


class AppError(Exception):
    """An error the app raises on purpose. ``reason`` is what to tell the person at the
    keyboard, in plain words and never quoting record contents: the message, unless the
    class sets ``self.reason`` apart from a technical message."""

    reason: str

    def __getattr__(self, name: str) -> str:
        if name == "reason":  # only when the instance has set none
            return str(self)
        raise AttributeError(name)
