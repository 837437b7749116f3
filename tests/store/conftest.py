"""The store tests' shared fixtures are in tests/fixtures.py; helpers in builders.py."""
