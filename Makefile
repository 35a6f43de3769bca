# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The translation catalogues (locale/<language>/LC_MESSAGES/*.po, in git) and their compiled .mo files
# (built here, ignored by git): a changed .po is compiled again by the next install, run or test.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
# What makemessages leaves out; `--add-location file` names files without line numbers (fewer merge conflicts).
MESSAGES_ARGS := --ignore=.venv --ignore=var --ignore=tests --ignore=node_modules \
	--add-location file --no-obsolete

.PHONY: run test install lint check clean messages typescript-example

$(STAMP): pyproject.toml
	@echo "Installing into $(VENV) (log: $(VENV)/install.log)…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@($(BIN)/pip install --upgrade pip && $(BIN)/pip install -e '.[dev]') > $(VENV)/install.log 2>&1 \
		|| (tail -n 40 $(VENV)/install.log; exit 1)
	@touch $(STAMP)

# compilemessages needs GNU gettext's msgfmt; without it (a bare machine) polib writes the same .mo files.
locale/%.mo: locale/%.po $(STAMP)
	@if command -v msgfmt >/dev/null; then \
		$(BIN)/python manage.py compilemessages -v0 --ignore=.venv --ignore=var --ignore=node_modules \
			-l "$(word 1,$(subst /, ,$*))"; \
	else \
		$(BIN)/python -m config.compile_messages "$<" "$@"; \
	fi
	@touch $@

install: $(STAMP) $(MO_FILES)

# After adding or changing translatable strings: refresh both catalogues, then translate what is new
# in locale/zh_Hans/LC_MESSAGES/django.po (tests/test_translations.py lists what is missing).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans -l en $(MESSAGES_ARGS)
	@# The extraction time changes at every run: left out, so that two branches' catalogues merge cleanly.
	@sed -i '/^"POT-Creation-Date: /d' locale/*/LC_MESSAGES/*.po

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py compute_innovation_credits
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/python manage.py demo_logins
	@# Every process reads the address from HOST/PORT/BIND (config/serving.py), as demo_logins just did.
	@# `exec`: the SIGTERM that make forwards to its recipe reaches the supervisor (config/procfile.py),
	@# which stops every Procfile entry's process group and waits for it, as it does on Ctrl-C.
	export PATH="$(CURDIR)/$(BIN):$$PATH" && exec $(BIN)/python -m config.procfile Procfile

test: install
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

# The bank's TypeScript example (docs/examples/typescript/) type-checked against types that openapi-typescript
# generates from the schema: an API change that breaks a TypeScript integration fails here.
TS_EXAMPLE := docs/examples/typescript
typescript-example: $(STAMP)
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py spectacular --validate --fail-on-warn \
		--file var/openapi.yaml
	npm ci --prefix $(TS_EXAMPLE) --no-audit --no-fund --loglevel=error
	cd $(TS_EXAMPLE) && npx --no-install openapi-typescript ../../../var/openapi.yaml -o schema.d.ts \
		&& npx --no-install tsc --noEmit -p .

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var $(VENV)
