# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint check clean

$(STAMP): pyproject.toml
	@echo "Installing into $(VENV) (log: $(VENV)/install.log)…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@($(BIN)/pip install --upgrade pip && $(BIN)/pip install -e '.[dev]') > $(VENV)/install.log 2>&1 \
		|| (tail -n 40 $(VENV)/install.log; exit 1)
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py compute_innovation_credits
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/python manage.py demo_logins
	@# Every process reads the address from HOST/PORT/BIND (config/serving.py), as demo_logins just did.
	@# `exec`: the SIGTERM that make forwards to its recipe reaches the supervisor (config/procfile.py),
	@# which stops every Procfile entry's process group and waits for it, as it does on Ctrl-C.
	export PATH="$(CURDIR)/$(BIN):$$PATH" && exec $(BIN)/python -m config.procfile Procfile

test: $(STAMP)
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var $(VENV)
