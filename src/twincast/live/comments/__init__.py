"""Viewer comments from the platforms the show streams to (issue 22): typed comments, one
source per platform on its official interface, and a manager that feeds them to the show.

Nothing heavy is imported here: ``config`` is read by the config loader on every start.
"""
