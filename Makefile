# Shortcuts; the README's two commands work without make.
PY := .venv/bin/python

.PHONY: run test lint lock bench extract update compile init-locale

run:
	python3 scripts/run

test:
	python3 scripts/test

lint:
	$(PY) -m ruff check bot handlers delivery domain storage emulator bench tests
	$(PY) -m mypy bot handlers delivery domain storage emulator
	.venv/bin/lint-imports --no-cache

# Refresh requirements.lock (exact versions and hashes); `make lock ARGS=--upgrade` moves pins.
lock:
	python3 scripts/lock $(ARGS)

bench:
	$(PY) bench/all.py

extract:
	$(PY) -m bot i18n extract

update:
	$(PY) -m bot i18n update

compile:
	$(PY) -m bot i18n compile

# make init-locale LANG_CODE=de
init-locale:
	$(PY) -m bot i18n init $(LANG_CODE)
