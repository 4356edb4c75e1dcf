# The two entry points of the README. VENV and PYTRACKING_ROOT may be overridden (see scripts/setup.sh).
VENV ?= $(CURDIR)/.venv
export VENV

.PHONY: demo test
demo:
	scripts/setup.sh
	$(VENV)/bin/pytracking-cmd demo

test:
	scripts/setup.sh --tests
	$(VENV)/bin/python -m pytest
