"""Tracker parameter files (one `parameters()` each), installed as `pytracking_cmd.parameter`."""
