# Summit: two commands do everything (`make play`, `make test`).
# PYTHON=/path/to/python3.12 overrides the interpreter search.

VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.summit-installed
export SDL_AUDIODRIVER ?= dummy

# First Python >= 3.12 on PATH, then in pyenv's installed versions (newest first).
define FIND_PYTHON
for c in python3.13 python3.12 python3 python; do \
  p=$$(command -v $$c 2>/dev/null) || continue; \
  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; exit 0; }; \
done; \
root=$$(pyenv root 2>/dev/null || echo "$$HOME/.pyenv"); \
for p in $$(ls -d "$$root"/versions/*/bin/python3 2>/dev/null | sort -t/ -k1,1 -V -r); do \
  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; exit 0; }; \
done; exit 0
endef

.PHONY: play test bench soak report setup clean help
.DEFAULT_GOAL := help

help:
	@echo "make play   set everything up and open the game"
	@echo "make test   set everything up and run every test"
	@echo "make bench  run the benchmarks (prints figures)"
	@echo "make soak   long soak and fuzz runs"
	@echo "make report regenerate docs/baseline-report.md"

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@if [ ! -x "$(VPY)" ]; then \
	  py="$(PYTHON)"; [ -n "$$py" ] || py=$$( $(FIND_PYTHON) ); \
	  if [ -z "$$py" ]; then echo "Summit needs Python >= 3.12: install it (python.org, your package manager, or 'pyenv install 3.12') or run 'make PYTHON=/path/to/python3.12 ...'." >&2; exit 1; fi; \
	  "$$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { echo "$$py is older than Python 3.12; Summit needs >= 3.12." >&2; exit 1; }; \
	  echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV); \
	fi
	$(VPY) -m pip install --disable-pip-version-check -q --upgrade pip
	$(VPY) -m pip install --disable-pip-version-check -q -e '.[test,cluster,parquet,analysis]'
	@touch $(STAMP)

play: $(STAMP)
	$(VPY) main.py play $(ARGS)

test: $(STAMP)
	SDL_VIDEODRIVER=dummy MPLBACKEND=Agg $(VPY) -m pytest -q -m "not soak" $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(VPY) $$b || exit 1; done

soak: $(STAMP)
	SDL_VIDEODRIVER=dummy MPLBACKEND=Agg $(VPY) -m pytest -q -m soak --timeout=7200 $(PYTEST_ARGS)

report: $(STAMP)
	MPLBACKEND=Agg $(VPY) -m game.article_report --out docs/baseline-report.md

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
