"""Assurance: compliance figures, dip sampling and audit, quality signals (issue 7).

Plain queries and domain functions, no Qt. The GUI page is ``gui.assurance_page``; the
command line is :mod:`.report_cli`.
"""
