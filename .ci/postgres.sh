#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for CI and benchmarks. Source it; do not run it.
#
#   pg_ensure_installed          installs Debian's `postgresql` package when no
#                                server binaries are found; sets PG_BIN
#   pg_start_throwaway [ARGS]    initdb + start a cluster in a temp dir on a free
#                                port; extra ARGS are server settings
#                                (e.g. -c fsync=off); sets PG_URL, PG_PORT, PG_DIR
#                                and stops and removes the cluster on exit; with
#                                PG_PIN set, the server's processes run on those
#                                CPUs (taskset)
#   pg_create_database NAME      creates a database on that cluster; prints its URL
#
# PostgreSQL refuses to run as root: as root (CI containers) the cluster runs as
# the `postgres` user that Debian's packages create.

# The directory holding initdb and pg_ctl: on PATH, or Debian's
# /usr/lib/postgresql/<major>/bin (newest major first).
pg_bin_dir() {
  local ctl dir
  # The real directory, not that of a symbolic link on PATH, so the other
  # server tools (postgres, createdb) are found beside pg_ctl.
  if ctl=$(command -v pg_ctl) && ctl=$(readlink -f "$ctl") && [ -x "$(dirname "$ctl")/initdb" ]; then
    dirname "$ctl"
    return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -n -r); do
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

pg_ensure_installed() {
  if PG_BIN=$(pg_bin_dir); then return 0; fi
  echo "installing PostgreSQL from Debian's packages" >&2
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  PG_BIN=$(pg_bin_dir) || { echo "PostgreSQL server binaries not found after installing" >&2; return 1; }
}

# Runs a PostgreSQL tool in the cluster directory, as `postgres` when root.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd "$PG_DIR" && runuser -u postgres -- "$@")
  else
    (cd "$PG_DIR" && "$@")
  fi
}

pg_stop_throwaway() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

pg_start_throwaway() {
  PG_DIR=$(mktemp -d)
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
  trap pg_stop_throwaway EXIT
  # Trust authentication, on 127.0.0.1 and a socket in the cluster directory.
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >/dev/null
  PG_PORT=""
  local port launch=()
  if [ -n "${PG_PIN:-}" ]; then launch=(taskset -c "$PG_PIN"); fi
  # PG_PORT_FIRST moves the 21 ports tried (e.g. off a shared dev server's).
  local first=${PG_PORT_FIRST:-55432}
  for port in $(seq "$first" $((first + 20))); do
    if pg_as_owner "${launch[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 $*" start >/dev/null; then
      PG_PORT=$port
      break
    fi
  done
  if [ -z "$PG_PORT" ]; then
    echo "cannot start PostgreSQL; its log:" >&2
    cat "$PG_DIR/server.log" >&2
    return 1
  fi
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

pg_create_database() {
  pg_as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1"
  echo "postgres://postgres@127.0.0.1:$PG_PORT/$1"
}
