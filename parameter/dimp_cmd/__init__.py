"""Parameter files for the dimp_cmd tracker (DiMP, SuperDiMP, PrDiMP networks)."""
