"""The one error type for bad input: a file, folder, value or setting the user must fix.

`pytracking-cmd` catches it once (pytracking_cmd/cli.py) and exits with status 2; the message
names the file, line or value and says what to do. Specific errors subclass it (and, where
callers already catch them so, the matching built-in type).
"""


class UserError(Exception):
    """Bad input that the user can fix; the message names it and says what to do."""
