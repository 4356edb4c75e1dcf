"""Deployment: ONNX export of the trackers' per-frame networks (export.py) and their ONNX Runtime stand-ins for
params.net (runtime.py); docs/deploy.md."""
