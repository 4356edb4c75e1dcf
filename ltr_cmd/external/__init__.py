"""Pure-PyTorch replacements for what ltr/external provides only as CUDA code."""
