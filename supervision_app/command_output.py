"""Command-line output that another program stops reading early (``supervision-server
list-users | head``): that is the reader's choice, not a failure of ours, so the command ends
without a traceback or a misleading "could not be read" message."""
from __future__ import annotations

import os
import sys
from typing import Callable

EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a program ended by SIGPIPE


def quiet_when_reader_stops(command: Callable[[], int]) -> int:
    try:
        code = command()
        if sys.stdout is not None:  # None in a windowed app with no console
            sys.stdout.flush()  # inside the try: a pipe closed after the last write breaks here
        return code
    except BrokenPipeError:
        # Python flushes stdout once more at exit and would report the same pipe again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
