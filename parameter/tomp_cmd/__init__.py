"""Parameter files for the tomp_cmd tracker (ToMP-50 and ToMP-101 networks)."""
