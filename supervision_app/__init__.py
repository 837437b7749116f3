import logging as _logging

# Until the desktop app sets up its safe log (logging_setup), the app's records go nowhere:
# Python's last-resort handler would print exception messages, which can quote a record.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())
