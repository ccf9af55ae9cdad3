#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for tests and the quickstart.
#
#   eval "$(tests/pg.sh start DIR)"   start (initdb on first use); prints exports:
#                                     PGHOST PGPORT PGUSER NEWSMILL_TEST_PG
#   tests/pg.sh createdb NAME         (after start's exports) drop+create NAME,
#                                     print its conninfo
#   tests/pg.sh stop DIR              stop the cluster
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# 'postgres' OS user (created by Debian's postgresql package). If that user
# cannot reach DIR (e.g. the checkout is under /root), the data lives in
# /tmp and DIR/data is a symlink to it. The server listens only on a unix
# socket in a short /tmp directory (socket paths are limited to 107 bytes).
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && [ -x "$d/initdb" ] || die "PostgreSQL server not installed (apt-get install postgresql)"
    echo "$d"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

owner_name() {
    if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

sockdir_for() {  # a short, stable socket directory per cluster
    local sum
    sum=$(printf '%s' "$(realpath -m "$1")" | cksum | cut -d' ' -f1)
    echo "/tmp/nm-pg-$sum"
}

cmd_start() {
    local dir=${1:?usage: pg.sh start DIR} bin sock data port=5433
    bin=$(pg_bindir)
    mkdir -p "$dir"
    dir=$(realpath "$dir")
    sock=$(sockdir_for "$dir")
    data="$dir/data"
    if [ ! -e "$data" ]; then
        if as_owner test -w "$dir" 2>/dev/null || { [ "$(id -u)" = 0 ] && chown postgres "$dir" 2>/dev/null && as_owner test -w "$dir"; }; then
            mkdir -p "$data"
        else
            local tmpdata="$sock-data"
            rm -rf "$tmpdata"; mkdir -p "$tmpdata"
            ln -s "$tmpdata" "$data"
        fi
        [ "$(id -u)" = 0 ] && chown postgres "$(realpath "$data")"
        chmod 700 "$(realpath "$data")"
        as_owner "$bin/initdb" -D "$(realpath "$data")" -U "$(owner_name)" --auth=trust \
            -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi
    mkdir -p "$sock"
    [ "$(id -u)" = 0 ] && chown postgres "$sock"
    if ! as_owner "$bin/pg_ctl" -D "$(realpath "$data")" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$(realpath "$data")" -w -t 60 -l "$(realpath "$data")/server.log" \
            -o "-c listen_addresses='' -c unix_socket_directories='$sock' -p $port \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                -c max_connections=200 -c shared_buffers=128MB" start >/dev/null \
            || { tail -n 20 "$(realpath "$data")/server.log" >&2; die "could not start PostgreSQL"; }
    fi
    cat <<EOV
export PGHOST='$sock'
export PGPORT='$port'
export PGUSER='$(owner_name)'
export NEWSMILL_TEST_PG='host=$sock port=$port user=$(owner_name)'
EOV
}

cmd_createdb() {
    local name=${1:?usage: pg.sh createdb NAME}
    [ -n "${PGHOST:-}" ] || die "PGHOST not set: run 'eval \"\$(tests/pg.sh start DIR)\"' first"
    PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
    psql -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$name\"" >/dev/null
    echo "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$name"
}

cmd_stop() {
    local dir=${1:?usage: pg.sh stop DIR} bin
    bin=$(pg_bindir)
    [ -e "$dir/data" ] || return 0
    as_owner "$bin/pg_ctl" -D "$(realpath "$dir/data")" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    createdb) shift; cmd_createdb "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    *) echo "usage: pg.sh start DIR | createdb NAME | stop DIR" >&2; exit 2 ;;
esac
