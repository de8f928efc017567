# One command per common task. Each creates the virtualenv on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
LR := $(VENV)/bin/launch-ready

.PHONY: install demo demo-fixed test bench samples clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Audit the bundled flawed demo app; reports land in sample_reports/.
## (nsd serves the demo's DNS zone; without it the demo skips the DNS and email checks.)
demo: install
	-./scripts/system-deps.sh
	$(LR) demo

## The same against the fixed build: comes out READY.
demo-fixed: install
	-./scripts/system-deps.sh
	$(LR) demo --fixed

## Every test, with the system packages they need (installed when run as root).
test: install
	./scripts/system-deps.sh
	$(PY) -m pytest -q

## Speed and memory figures, measured side by side in one run.
bench: install
	$(PY) bench/run.py

## Regenerate sample_reports/ from the demo: the flawed build, the fixed build, and the flawed audit
## retested against the fixed build; plus a PNG of page 1 of each PDF (pdftoppm, poppler-utils).
samples: install
	rm -f sample_reports/demo-*
	$(LR) demo
	$(LR) demo --fixed
	$(LR) demo --retest
	for r in demo-flawed demo-fixed demo-retest; do \
	  pdftoppm -r 60 -png -f 1 -l 1 -singlefile sample_reports/$$r.pdf sample_reports/$$r-page1 || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache build dist
