"""pytracking-cmd, tracking side and plugin machinery: registration into a pytracking checkout,
the compatibility layer, TIR trackers, evaluation datasets and metrics, VOT integration.

Importing this package must stay cheap: the start-up hook imports it in every interpreter.
"""
__version__ = '0.1.0'
