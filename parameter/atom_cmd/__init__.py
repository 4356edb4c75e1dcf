"""Parameter files for the atom_cmd tracker."""
