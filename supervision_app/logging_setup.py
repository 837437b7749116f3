"""The desktop client's log: a rotating file in the profile folder that can never hold
record contents.

A log line is written from three things only, each checked as it is formatted:

- the message template, and only when it is a string constant in the code that logged it
  (``log.info(text)`` or ``log.info(f"... {text}")`` cannot pass: their text is not in the
  code). Ruff's ``G`` rules catch the same mistakes before they run;
- the arguments, and only of types that cannot carry what someone typed: numbers, booleans,
  ``None``, UUIDs, enum members (by name), classes and exceptions (by class name), and
  strings marked :class:`SafeText` by the code that logs them. Anything else is written as
  ``<str withheld>`` (its type, never its value);
- a traceback: exception class names, ``file:line in function`` for each frame, chained
  causes alike. Never the exception's message (``InvalidInput`` and database errors quote
  what was typed) nor any local value.

``extra=`` fields and stack dumps are never written. The file is opened on the first line
logged, so a start-up refusal still leaves the profile folder untouched.
"""
from __future__ import annotations

import enum
import logging
import logging.handlers
import sys
import threading
import types
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LOG_FOLDER = "logs"
LOG_FILE = "supervision-app.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5

_HANDLER_NAME = "supervision-app-file"
_CONSOLE_NAME = "supervision-app-console"


class SafeText(str):
    """A string the logging code vouches for: an id, a page or command name, never anything
    a person typed or a record holds."""

    __slots__ = ()


def log_path(profile_folder: Path) -> Path:
    return profile_folder / LOG_FOLDER / LOG_FILE


class _TemplateConstants:
    """Which strings are constants in the code of each module that logs (found once per
    file through the module's loader, so it works in a bundle without sources too)."""

    def __init__(self) -> None:
        self._by_path: dict[str, frozenset[str] | None] = {}
        self._lock = threading.Lock()

    def contains(self, pathname: str, message: str) -> bool:
        with self._lock:
            if pathname not in self._by_path:
                self._by_path[pathname] = self._load(pathname)
            constants = self._by_path[pathname]
        return constants is not None and message in constants

    @staticmethod
    def _load(pathname: str) -> frozenset[str] | None:
        code = _code_for(pathname)
        if code is None:
            return None
        found: set[str] = set()
        pending = [code]
        while pending:
            current = pending.pop()
            for constant in current.co_consts:
                if isinstance(constant, str):
                    found.add(constant)
                elif isinstance(constant, types.CodeType):
                    pending.append(constant)
        return frozenset(found)


def _code_for(pathname: str) -> types.CodeType | None:
    wanted = Path(pathname).with_suffix("").parts
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        # a bundle's code may name its file relative to the bundle (supervision_app/gui/app.py)
        if not origin or Path(origin).with_suffix("").parts[-len(wanted):] != wanted:
            continue
        loader = getattr(module, "__loader__", None)
        get_code = getattr(loader, "get_code", None)
        if get_code is None:
            break
        try:
            return get_code(name)
        except Exception:  # noqa: BLE001 - an unreadable module: its messages are withheld
            return None
    try:
        return compile(Path(pathname).read_bytes(), pathname, "exec")
    except (OSError, SyntaxError, ValueError):
        return None


_templates = _TemplateConstants()

_SAFE_TYPES: tuple[type, ...] = (bool, int, float, uuid.UUID, type(None))


def safe_value(value: Any) -> object:
    """What may be written for one argument of a log call."""
    if isinstance(value, SafeText):
        return str(value)
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, _SAFE_TYPES):
        return value
    if isinstance(value, type):
        return value.__qualname__
    if isinstance(value, BaseException):
        return type(value).__qualname__
    return f"<{type(value).__name__} withheld>"


def safe_message(record: logging.LogRecord) -> str:
    """The record's message from its template and its safe arguments only."""
    template = record.msg
    if not isinstance(template, str) or not _templates.contains(record.pathname, template):
        return f"<message withheld: not a template in {_short_path(record.pathname)}:{record.lineno}>"
    args = record.args
    if not args:
        return template
    try:
        if isinstance(args, Mapping):
            return template % {key: safe_value(value) for key, value in args.items()}
        return template % tuple(safe_value(value) for value in args)
    except (TypeError, ValueError, KeyError):
        return f"{template} <arguments withheld: they do not fit the template>"


def safe_traceback(exc: BaseException | None) -> str:
    """Exception classes and ``file:line in function`` for each frame, causes first, as
    Python prints them; no messages, no source lines, no local values."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    link = ""
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append((exc, link))
        if exc.__cause__ is not None:
            exc, link = exc.__cause__, "The above exception was the direct cause of the following:"
        elif exc.__context__ is not None and not exc.__suppress_context__:
            exc, link = exc.__context__, "During handling of the above exception, another occurred:"
        else:
            exc = None
    lines: list[str] = []
    for error, following in reversed(chain):
        lines.append("Traceback (most recent call last):")
        frame = error.__traceback__
        while frame is not None:
            code = frame.tb_frame.f_code
            lines.append(f"  {_short_path(code.co_filename)}:{frame.tb_lineno} in {code.co_name}")
            frame = frame.tb_next
        kind = type(error)
        lines.append(f"{kind.__module__}.{kind.__qualname__}")
        if following:
            lines.append(following)
    return "\n".join(lines)


def _short_path(pathname: str) -> str:
    """From the package folder on (``supervision_app/gui/app.py``): the folders above it
    name the person's account on some systems."""
    parts = Path(pathname).parts
    for anchor in ("supervision_app", "site-packages", "lib"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index + (anchor != "supervision_app"):])
    return Path(pathname).name


class SafeFormatter(logging.Formatter):
    """Writes what the module docstring allows, and nothing else of the record."""

    def __init__(self) -> None:
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = (f"{self.formatTime(record, self.datefmt)} {record.levelname} {record.name} "
                f"[{record.threadName}]: {safe_message(record)}")
        if record.exc_info and record.exc_info[1] is not None:
            line += "\n" + safe_traceback(record.exc_info[1])
        return line


class _ProfileLogHandler(logging.handlers.RotatingFileHandler):
    """Makes the log folder when the first line is written, not before."""

    def _open(self):
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


def configure_logging(profile_folder: Path) -> Path:
    """Send warnings from everywhere, and the app's own information, to the profile's log
    file (replacing an earlier profile's handler), and warnings to the console when there
    is one (none in the windowed bundle), written alike. Returns the file's path."""
    path = log_path(profile_folder)
    stop_logging()
    root = logging.getLogger()
    if sys.stderr is not None:
        console = logging.StreamHandler(sys.stderr)
        console.set_name(_CONSOLE_NAME)
        console.setLevel(logging.WARNING)
        console.setFormatter(SafeFormatter())
        root.addHandler(console)
    handler = _ProfileLogHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                 encoding="utf-8", delay=True)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(SafeFormatter())
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.getLogger("supervision_app").setLevel(logging.INFO)
    return path


def stop_logging() -> None:
    """Remove what :func:`configure_logging` set up."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in (_HANDLER_NAME, _CONSOLE_NAME):
            root.removeHandler(handler)
            handler.close()


def current_log_path() -> Path | None:
    """The file :func:`configure_logging` set up, if any."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == _HANDLER_NAME and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None
