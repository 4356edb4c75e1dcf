"""pytracking-cmd, tracking side and plugin machinery: registration into a pytracking checkout,
the compatibility layer, TIR trackers, evaluation datasets and metrics, VOT integration. Its subpackage
`pytracking_cmd.parameter` is the repository's top-level parameter/ folder (setup.py maps it: a top-level
package named `parameter` would collide with pytracking's own when its scripts run).

Importing this package must stay cheap: the start-up hook imports it in every interpreter.
"""
__version__ = '0.1.0'
