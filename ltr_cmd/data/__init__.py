"""Aligned RGB-TIR sources, pseudo-box generators, pairing processing and the synthetic demo source."""
