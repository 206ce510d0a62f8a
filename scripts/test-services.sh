#!/usr/bin/env bash
# Makes sure what the test suite needs is on this machine: redis-server (the tests
# start their own on free ports), Chromium with chromedriver (browser tests), and a
# PostgreSQL server on 127.0.0.1:5432 that
# accepts the role in PORTCULLIS_TEST_PG (default postgres:postgres), xmlsec1 and
# OneLogin's python3-saml for the SAML tests, systemd-analyze for the unit file,
# npm oidc-provider (upstream tests) and npm axe-core (accessibility check). Installs from
# Debian's packages and starts what is missing; does nothing when all is there.
set -euo pipefail

PG_URL="${PORTCULLIS_TEST_PG:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v redis-server >/dev/null; then
  echo "test-services: installing redis-server"
  apt_install redis-server
fi

# The browser tests drive Debian's Chromium through chromedriver.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "test-services: installing chromium and chromium-driver"
  apt_install chromium chromium-driver
fi

# SAML: xmlsec1 verifies our signatures independently; OneLogin's python3-saml is
# the service provider the end-to-end tests drive (run with Debian's python3).
if ! command -v xmlsec1 >/dev/null; then
  echo "test-services: installing xmlsec1"
  apt_install xmlsec1
fi
if ! /usr/bin/python3 -c 'import onelogin.saml2' >/dev/null 2>&1; then
  echo "test-services: installing python3-onelogin-saml2"
  apt_install python3-onelogin-saml2
fi

# The systemd unit in packaging/ is checked with systemd's own analyzer.
if ! command -v systemd-analyze >/dev/null; then
  echo "test-services: installing systemd (for systemd-analyze)"
  apt_install systemd
fi

# Upstream identity providers in the tests: npm oidc-provider (node-oidc-provider),
# installed from the committed lock file into tests/upstream_op/node_modules.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "test-services: installing nodejs and npm"
  apt_install nodejs npm
fi
op_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/upstream_op"
if [ ! -f "$op_dir/node_modules/oidc-provider/package.json" ]; then
  echo "test-services: installing oidc-provider for the upstream tests"
  (cd "$op_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
# The accessibility check injects npm axe-core (pinned by its lock file) into Chromium.
a11y_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/a11y"
if [ ! -f "$a11y_dir/node_modules/axe-core/axe.min.js" ]; then
  echo "test-services: installing axe-core for the accessibility check"
  (cd "$a11y_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

pg_ready() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }

if ! pg_ready; then
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "test-services: installing postgresql"
    apt_install postgresql
  fi
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  if [ -z "$ver" ]; then
    echo "test-services: no PostgreSQL cluster found after install" >&2
    exit 1
  fi
  echo "test-services: starting PostgreSQL $ver"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || $SUDO pg_ctlcluster "$ver" main start
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  pg_ready || { echo "test-services: PostgreSQL did not come up" >&2; exit 1; }
fi

# The tests log in over TCP with a password; on a stock Debian cluster set it once.
if command -v psql >/dev/null && ! psql "$PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then
  echo "test-services: setting the password of role postgres for local tests"
  $SUDO -u postgres psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1 \
    || su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
fi
psql "$PG_URL" -qAtc 'select 1' >/dev/null
echo "test-services: redis-server $(redis-server --version | awk '{print $3}'), $(chromedriver --version | awk '{print $1, $2}'), PostgreSQL ready"
