"""The assurance tests' ``world`` fixture is shared from tests/fixtures.py."""
