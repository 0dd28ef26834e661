# Shared helpers for the project's scripts: paths, set-up steps and the local PostgreSQL cluster.
# Sourced, never executed. Every step is idempotent: a second call finds the work done and returns.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.state"
VENV="$ROOT/.venv"
BROWSER_VENV="$ROOT/.venv-browser"
LINT_VENV="$ROOT/.venv-lint"
WHEEL_VENV="$ROOT/.venv-wheel"
NPM_PREFIX="$STATE/npm"
LESSC_BIN="$NPM_PREFIX/node_modules/.bin"
PG_PORT_FILE="$STATE/pg.port"
ODOO_DB_USER=odoo

say() { printf '[crm_team_routing] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# A free TCP port on 127.0.0.1, chosen by the kernel.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_busy() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is free
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
finally:
    s.close()
sys.exit(1)
PY
}

hash_of() { cat "$@" 2>/dev/null | sha1sum | cut -c1-16; }

find_python37() {
  local candidate
  for candidate in "${PYTHON37:-}" "$(command -v python3.7 2>/dev/null)" "$HOME"/.pyenv/versions/3.7.*/bin/python; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 7))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

find_pg_bindir() {
  local dir
  for dir in "${PG_BINDIR:-}" /usr/lib/postgresql/15/bin "$(pg_config --bindir 2>/dev/null)"; do
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

apt_install() {
  is_root || die "missing system packages: $*. Install them (e.g. 'sudo apt-get install $*') and retry."
  say "installing system packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- set-up steps -------------------------------------------------------------------------------

setup_odoo() {
  local stamp="$VENV/.crm_team_routing.stamp" want py
  want=$(hash_of "$ROOT"/requirements/*.txt)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  py=$(find_python37) || die "Python 3.7 is required (Odoo 11): install it (e.g. 'pyenv install 3.7.16') or set PYTHON37=/path/to/python3.7."
  command -v pg_config >/dev/null || apt_install libpq-dev
  say "creating the Odoo 11 virtualenv in .venv (about a minute)"
  [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
  # vatnumber 1.2 (an Odoo 11 requirement) uses setuptools' use_2to3, removed in setuptools 58:
  # build every source package against an older setuptools, without build isolation.
  "$VENV/bin/pip" install -q --disable-pip-version-check 'pip<24' 'setuptools<58' wheel
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-build-isolation \
    -c "$ROOT/requirements/constraints.txt" -r "$ROOT/requirements/odoo.txt"
  echo "$want" > "$stamp"
}

setup_lessc() {
  [ -x "$LESSC_BIN/lessc" ] && return 0
  command -v npm >/dev/null || apt_install npm
  say "installing lessc (npm less@2.7.3) into .state/npm"
  mkdir -p "$NPM_PREFIX"
  npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --silent less@2.7.3 >/dev/null
}

setup_browser() {
  local stamp="$BROWSER_VENV/.crm_team_routing.stamp" want py
  command -v chromium >/dev/null || apt_install chromium
  want=$(hash_of "$ROOT/requirements/browser.txt")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  py=$(command -v python3) || die "python3 (>= 3.8) is required for the browser tests"
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 8))' \
    || die "the browser tests need python3 >= 3.8 (playwright); found $("$py" --version)"
  say "creating the browser-test virtualenv in .venv-browser"
  [ -x "$BROWSER_VENV/bin/python" ] || "$py" -m venv "$BROWSER_VENV"
  "$BROWSER_VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements/browser.txt"
  echo "$want" > "$stamp"
}

# flake8 and pylint-odoo for make lint, in their own virtualenv: their pins live in
# requirements/lint/, outside the requirements/*.txt that setup_odoo and template_db hash.
setup_lint() {
  local stamp="$LINT_VENV/.crm_team_routing.stamp" want py
  want=$(hash_of "$ROOT/requirements/lint/lint.txt")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  py=$(find_python37) || die "Python 3.7 is required for the linters (pylint 2, pylint-odoo 7): install it or set PYTHON37=/path/to/python3.7."
  say "creating the lint virtualenv in .venv-lint"
  [ -x "$LINT_VENV/bin/python" ] || "$py" -m venv "$LINT_VENV"
  "$LINT_VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements/lint/lint.txt"
  echo "$want" > "$stamp"
}

# setuptools-odoo and the tools that build the module's wheel (scripts/wheel_check.sh), in their
# own virtualenv: their pins live in requirements/wheel/, outside the hashed requirements/*.txt.
setup_wheel() {
  local stamp="$WHEEL_VENV/.crm_team_routing.stamp" want py
  want=$(hash_of "$ROOT/requirements/wheel/wheel.txt")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  py=$(find_python37) || die "Python 3.7 is required to build the module's wheel: install it or set PYTHON37=/path/to/python3.7."
  say "creating the wheel-building virtualenv in .venv-wheel"
  [ -x "$WHEEL_VENV/bin/python" ] || "$py" -m venv "$WHEEL_VENV"
  "$WHEEL_VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements/wheel/wheel.txt"
  echo "$want" > "$stamp"
}

setup_gettext() {  # msgfmt checks the translation in make test
  command -v msgfmt >/dev/null || apt_install gettext
}

setup_all() {
  mkdir -p "$STATE"
  setup_odoo
  setup_lessc
}

# --- PostgreSQL cluster -------------------------------------------------------------------------

# initdb and postgres refuse to run as root: as root the cluster belongs to the 'postgres' user.
# That user must reach the data directory; a project under a private folder (mktemp -d) is not
# reachable, so the cluster then lives in a folder of its own under /var/tmp, named after the project.
pg_os_user() { if is_root; then echo "${PG_OS_USER:-postgres}"; else id -un; fi; }

as_pg_user() {
  # From /: the postgres user may not be allowed in the current folder.
  if is_root; then (cd / && runuser -u "$(pg_os_user)" -- "$@"); else "$@"; fi
}

pg_datadir() {
  if ! is_root; then echo "$STATE/pg"; return; fi
  mkdir -p "$STATE"
  if runuser -u "$(pg_os_user)" -- test -x "$STATE" 2>/dev/null; then
    echo "$STATE/pg"
  else
    echo "/var/tmp/crm_team_routing-pg-$(echo "$ROOT" | sha1sum | cut -c1-12)"
  fi
}

pg_port() { cat "$PG_PORT_FILE" 2>/dev/null || true; }

pg_running() {
  local bindir datadir
  bindir=$(find_pg_bindir) || return 1
  datadir=$(pg_datadir)
  [ -f "$datadir/postmaster.pid" ] && as_pg_user "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1
}

# Starts the cluster if needed. Returns 0 and sets PG_STARTED_HERE=1 when this call started it.
pg_start() {
  local bindir datadir port
  PG_STARTED_HERE=0
  bindir=$(find_pg_bindir) || apt_install postgresql-15
  bindir=$(find_pg_bindir) || die "PostgreSQL 15 server binaries not found (set PG_BINDIR)"
  if is_root; then id "$(pg_os_user)" >/dev/null 2>&1 \
    || die "running as root, PostgreSQL needs a non-root system user '$(pg_os_user)' (set PG_OS_USER)"; fi
  datadir=$(pg_datadir)
  mkdir -p "$STATE"
  if pg_running; then return 0; fi
  if [ ! -f "$datadir/PG_VERSION" ]; then
    say "initialising a PostgreSQL cluster in $datadir"
    mkdir -p "$datadir"
    if is_root; then chown "$(pg_os_user)" "$datadir"; fi
    chmod 700 "$datadir"
    as_pg_user "$bindir/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  port=$(pg_port)
  if [ -z "$port" ] || port_busy "$port"; then
    port=$(free_port)
    echo "$port" > "$PG_PORT_FILE"
  fi
  local log="$datadir.log"   # beside the data: wherever the cluster's owner can write
  rm -f "$log"; touch "$log"
  if is_root; then chown "$(pg_os_user)" "$log"; fi
  as_pg_user "$bindir/pg_ctl" -D "$datadir" -l "$log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c fsync=off" start >/dev/null \
    || { cat "$log" >&2; die "PostgreSQL did not start (log: $log)"; }
  PG_STARTED_HERE=1
  psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ODOO_DB_USER'" | grep -q 1 \
    || psql_admin -qc "CREATE ROLE $ODOO_DB_USER LOGIN CREATEDB"
}

pg_stop() {
  local bindir datadir
  bindir=$(find_pg_bindir) || return 0
  datadir=$(pg_datadir)
  pg_running || return 0
  # pg_ctl signals the postmaster whose PID is in postmaster.pid and waits for it to exit.
  as_pg_user "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null
}

psql_admin() {
  PGOPTIONS="-c client_min_messages=warning" \
  "$(find_pg_bindir)/psql" -X -h 127.0.0.1 -p "$(pg_port)" -U postgres -d postgres "$@"
}

db_exists() {
  psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1
}

# A database with Odoo's dependencies of the module installed, made once per requirements set;
# test databases are copied from it (database and filestore) in seconds, and only the module
# itself is installed and tested on the copy. 'template_db' has no demo data; 'template_db demo'
# has crm's and base's demo data, so that the module installed on a copy loads its own (Odoo
# loads a module's demo data only when its dependencies have theirs: ir_module_module.demo).
# Modules that can never be installed are reset by the launcher (scripts/odoo_packaging_fixes.py)
# when Odoo creates the database, so the copies run their scheduled actions.
template_db() {  # template_db [demo]
  local hash name demo_args=(--without-demo=all) what="no demo data"
  hash=$(hash_of "$ROOT"/requirements/*.txt "$ROOT/crm_team_routing/__manifest__.py" | cut -c1-8)
  name="crm_routing_base_$hash"
  if [ "${1:-}" = demo ]; then
    name="crm_routing_base_demo_$hash"; demo_args=(); what="demo data"
  fi
  if ! db_exists "$name"; then
    say "creating the template database $name (crm, base_automation, $what; about 30 s, once)"
    drop_db "$name.tmp"
    "$ROOT/bin/odoo" -d "$name.tmp" -i crm,base_automation "${demo_args[@]}" --stop-after-init \
      --log-level=warn --no-http >/dev/null 2>"$STATE/template.log" \
      || { cat "$STATE/template.log" >&2; die "could not create the template database"; }
    psql_admin -qc "ALTER DATABASE \"$name.tmp\" RENAME TO \"$name\""
    mv "$STATE/data/filestore/$name.tmp" "$STATE/data/filestore/$name"
  fi
  echo "$name"
}

copy_db() {  # copy_db SOURCE TARGET
  drop_db "$2"
  psql_admin -qc "CREATE DATABASE \"$2\" TEMPLATE \"$1\" OWNER $ODOO_DB_USER"
  mkdir -p "$STATE/data/filestore"
  if [ -d "$STATE/data/filestore/$1" ]; then cp -r "$STATE/data/filestore/$1" "$STATE/data/filestore/$2"; fi
}

drop_db() {
  psql_admin -qc "DROP DATABASE IF EXISTS \"$1\"" >/dev/null
  rm -rf "$STATE/data/filestore/$1"
}
