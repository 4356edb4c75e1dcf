"""The former name of toolkit_lists, kept only for pytracking_cmd/reproduce.py: delete this file when
reproduce.py imports toolkit_lists (same find_list_file(name, root, lists_path) and LISTS_SETTING)."""
from pytracking_cmd.evaluation.toolkit_lists import LISTS_SETTING, find_list_file  # noqa: F401
