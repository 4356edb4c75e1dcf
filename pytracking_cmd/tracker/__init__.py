"""Trackers registered into pytracking/tracker/ (one package each, with get_tracker_class())."""
