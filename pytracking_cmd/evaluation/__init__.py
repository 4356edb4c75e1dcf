"""Evaluation on thermal-infrared benchmarks: readers, toolkit-exact metrics, plots and reports."""
