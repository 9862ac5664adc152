#!/usr/bin/env bash
# Installs the system packages Qrew needs (hiredis headers, redis-server) when they are missing.
# Safe to run repeatedly: it does nothing when everything is present.
set -euo pipefail

missing=()
pkg-config --exists hiredis 2>/dev/null || missing+=(libhiredis-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
# libcurl headers: `make release` links Foundation statically (--static-swift-stdlib), and
# FoundationNetworking (the worker's http tasks) then links libcurl itself.
{ [ -e /usr/lib/x86_64-linux-gnu/libcurl.so ] || [ -e /usr/lib/aarch64-linux-gnu/libcurl.so ]; } || missing+=(libcurl4-openssl-dev)
# faketime: the clock-skew test runs a coordinator 20 s ahead of its worker.
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
# stunnel: the TLS transport test runs a stunnel client in front of redis-server --tls-port.
command -v stunnel4 >/dev/null 2>&1 || command -v stunnel >/dev/null 2>&1 || missing+=(stunnel4)

if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: 'swift' is not on PATH. Install a Swift 6.2+ toolchain (swift.org) and retry." >&2
  exit 1
fi

# redis-py, for the cross-language examples (examples/clients/follow.py, examples/workers/worker.py)
# and their tests.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import redis' >/dev/null 2>&1; then
  echo "install-deps: installing redis-py for examples/clients/follow.py and examples/workers/worker.py" >&2
  python3 -m pip install --quiet --disable-pip-version-check redis >/dev/null 2>&1 \
    || echo "install-deps: could not pip install redis; the Python examples and their tests will not run" >&2
fi

# prometheus-client: its text-format parser reads /metrics in MetricsClusterTests.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import prometheus_client' >/dev/null 2>&1; then
  echo "install-deps: installing prometheus-client for the metrics tests" >&2
  python3 -m pip install --quiet --disable-pip-version-check prometheus-client >/dev/null 2>&1 \
    || echo "install-deps: could not pip install prometheus-client; the metrics tests will fail" >&2
fi

# qrew-web's tests: openapi-spec-validator and schemathesis check docs/openapi.yaml against a
# live server, selenium drives headless Chromium (their tests skip with a message without them).
if command -v python3 >/dev/null 2>&1; then
  for module in openapi_spec_validator:openapi-spec-validator schemathesis:schemathesis selenium:selenium; do
    if ! python3 -c "import ${module%%:*}" >/dev/null 2>&1; then
      echo "install-deps: installing ${module#*:} (PyPI) for the qrew-web tests" >&2
      python3 -m pip install --quiet --disable-pip-version-check "${module#*:}" >/dev/null 2>&1 \
        || echo "install-deps: could not pip install ${module#*:}; its qrew-web test will be skipped" >&2
    fi
  done
fi
# The dashboard's browser test: Debian's chromium and chromium-driver (large; only when asked,
# as .ci/run does with QREW_WITH_BROWSER=1).
if [ "${QREW_WITH_BROWSER:-0}" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-deps: need root (or sudo) to apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
