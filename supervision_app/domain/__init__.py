"""Domain rules in plain Python: no Qt, no SQL. Shared by the app and the sync server."""
