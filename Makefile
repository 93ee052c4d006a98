# Yuqing Sentinel — developer entry points. Every target bootstraps .venv from nothing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test venv lint bench bench-crawl bench-hot sysdeps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# the demo keeps serving the response console until Ctrl-C (it prints the URL and a sign-in)
demo: $(STAMP)
	$(VENV)/bin/yuqing demo --serve

test: $(STAMP) es-dist sysdeps
	$(PY) -m pytest -q tests

# Debian packages the test suite uses: Chromium renders the digest and (driven by
# chromium-driver through Selenium) runs the console's browser tests, a CJK font draws the
# charts' Chinese labels. Installed when missing and we are root; otherwise a warning (the
# browser tests then skip, except under CI=true where they fail).
SYSDEPS := chromium chromium-driver fonts-wqy-microhei
sysdeps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk'; then \
	  true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing $(SYSDEPS) from Debian's packages"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSDEPS) >/dev/null) \
	    || { echo "warning: could not install $(SYSDEPS)"; [ "$$CI" != true ]; }; \
	else \
	  echo "warning: install $(SYSDEPS) (Debian) for the digest rendering tests"; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: bench-crawl bench-nlp bench-alerts bench-es bench-hot

bench-nlp: $(STAMP)
	$(PY) bench/nlp.py

bench-alerts: $(STAMP)
	$(PY) bench/alerts.py

bench-crawl: $(STAMP)
	$(PY) bench/crawl.py

bench-hot: $(STAMP)
	$(PY) bench/hot.py

# Elasticsearch: the integ-test distribution via Maven into .cache/es (fast when cached; without
# Java/Maven it only warns unless CI=true), a node in the foreground, the indexing benchmark.
.PHONY: es-dist es bench-es
es-dist:
	$(PYTHON) tools/es_server.py fetch --if-possible

es: es-dist
	$(PYTHON) tools/es_server.py run --port 9200

bench-es: $(STAMP) es-dist
	$(PY) bench/es.py

clean:
	rm -rf $(VENV) var .pytest_cache
