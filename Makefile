# Yuqing Sentinel — developer entry points. Every target bootstraps .venv from nothing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-cluster venv lint bench bench-crawl bench-hot sysdeps clean

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
# charts' Chinese labels, redis-server is the scale-out tests' crawl frontier. Installed when
# missing and we are root; otherwise a warning (those tests then skip, except under CI=true
# where they fail).
SYSDEPS := chromium chromium-driver fonts-wqy-microhei redis-server
sysdeps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk' || missing="$$missing fonts-wqy-microhei"; \
	command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing="$$missing redis-server"; \
	if [ -z "$$missing" ]; then \
	  true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing$$missing from Debian's packages"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || { echo "warning: could not install$$missing"; [ "$$CI" != true ]; }; \
	else \
	  echo "warning: install$$missing (Debian) for the digest, console and scale-out tests"; \
	fi

# ruff (lint + format) and mypy at zero findings; mypy runs over the installed layout
# (tools/typecheck.py says why). .ci/run runs this before the tests.
# only the scale-out tests (Redis + Elasticsearch, workers, the kill tests; also in `make test`)
test-cluster: $(STAMP) es-dist sysdeps
	$(PY) -m pytest -q tests/cluster

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/typecheck.py

bench: bench-crawl bench-nlp bench-alerts bench-es bench-hot bench-cluster

bench-nlp: $(STAMP)
	$(PY) bench/nlp.py

bench-alerts: $(STAMP)
	$(PY) bench/alerts.py

bench-crawl: $(STAMP)
	$(PY) bench/crawl.py

bench-hot: $(STAMP)
	$(PY) bench/hot.py

# the console's 信息检索 on SQLite stores of 10 k, 100 k and 1 M posts (docs/console.md)
.PHONY: bench-search
bench-search: $(STAMP)
	$(PY) bench/search.py

# the nightly event rebuild, main's code against this checkout's, on copies of a store that
# bench/scale.py made: make bench-rebuild DIR=var/scale (DAYS=7, OLD=main)
.PHONY: bench-rebuild
bench-rebuild: $(STAMP)
	$(PY) bench/rebuild.py --dir $(DIR) --days $(or $(DAYS),7) --old $(or $(OLD),main)

# Elasticsearch: the integ-test distribution via Maven into .cache/es (fast when cached; without
# Java/Maven it only warns unless CI=true), a node in the foreground, the indexing benchmark.
.PHONY: es-dist es bench-es
es-dist:
	$(PYTHON) tools/es_server.py fetch --if-possible

es: es-dist
	$(PYTHON) tools/es_server.py run --port 9200

bench-es: $(STAMP) es-dist
	$(PY) bench/es.py

# crawl throughput of the Redis frontier with 1, 2 and 4 worker processes (docs/operations.md)
.PHONY: bench-cluster
bench-cluster: $(STAMP) es-dist sysdeps
	$(PY) bench/cluster.py

clean:
	rm -rf $(VENV) var .pytest_cache
