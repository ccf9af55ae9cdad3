#!/usr/bin/env bash
# Create or update newsmill's PostgreSQL roles (roles.sql) in one database.
#
#   apply-roles.sh [--password-dir DIR] [--prefix P] DBNAME|CONNINFO
#
# Run as a PostgreSQL superuser (e.g. `sudo -u postgres apply-roles.sh newsmill`).
# Roles are P_owner, P_writer and P_reader (P defaults to newsmill). With
# --password-dir, each of DIR/owner, DIR/writer, DIR/reader that exists sets
# that role's password; passwords go to psql on standard input (never on a
# command line) with statement logging off for the session.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pwdir="" prefix=newsmill
while [ $# -gt 1 ]; do
    case "$1" in
        --password-dir) pwdir=$2; shift 2 ;;
        --prefix) prefix=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# -eq 1 ] || { sed -n '2,12s/^# \{0,1\}//p' "$0" >&2; exit 2; }
db=$1
vars=(-v "owner=${prefix}_owner" -v "writer=${prefix}_writer" -v "reader=${prefix}_reader")

psql -X -q -v ON_ERROR_STOP=1 "${vars[@]}" -d "$db" -f "$here/roles.sql"

if [ -n "$pwdir" ]; then
    {
        echo "SET log_statement = 'none';"
        echo "SET log_min_duration_statement = -1;"
        for r in owner writer reader; do
            [ -f "$pwdir/$r" ] || continue
            pw=$(head -n 1 "$pwdir/$r")
            printf "ALTER ROLE \"%s_%s\" PASSWORD '%s';\n" "$prefix" "$r" "${pw//\'/\'\'}"
        done
    } | psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f -
fi
echo "roles ${prefix}_owner, ${prefix}_writer, ${prefix}_reader ready in $db"
