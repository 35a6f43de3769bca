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
	@# One address for everything (HOST, PORT or BIND; config/serving.py). `exec` puts honcho in the shell's
	@# place, so the SIGTERM that make forwards to its recipe, or a Ctrl-C, reaches honcho, which stops
	@# every Procfile entry and waits for them.
	@exports="$$($(BIN)/python -m config.serving)" && eval "$$exports" \
		&& $(BIN)/python manage.py demo_logins \
		&& export PATH="$(CURDIR)/$(BIN):$$PATH" \
		&& exec honcho start --port "$$PORT"

test: $(STAMP)
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var $(VENV)
