"""A passage and a lightly edited copy of it: a pasted record, as the quality signals see it."""
from __future__ import annotations

PASTED = (
    "Mother has engaged with the parenting programme and attended six of the eight sessions. "
    "School report improved attendance this term, although lateness on Mondays remains a "
    "concern. The health visitor has completed the developmental check and no new worries were "
    "raised. Father continues to have supervised contact at the family centre each Saturday.")
EDITED = (
    "Mother has engaged well with the parenting programme and attended seven of the eight sessions. "
    "School reports improved attendance this term, although lateness on Mondays remains a "
    "concern. The health visitor completed the developmental check and no new worries were "
    "raised. Father continues to have supervised contact at the family centre every Saturday.")
