#!/usr/bin/env bash
# deploy/postgres/apply-roles.sh on a database migrated the way a first
# install does (as a superuser): the owner can migrate, the writer (the
# publisher) can do its work and start up (migrations are a no-op for it) but
# has no DDL and no DELETE outside jobs/feeds, the reader only reads; each
# role carries its own timeouts.
source "$(dirname "$0")/../lib.sh"
nm_newdb pg_roles
P=nmt_roles
"$NEWSMILL" db migrate >/dev/null || fail "migrate as superuser"
"$NM_SOURCE_DIR/deploy/postgres/apply-roles.sh" --prefix "$P" "$NM_DB" >"$NM_TMP/roles.log" 2>&1 \
    || { cat "$NM_TMP/roles.log" >&2; fail "apply-roles.sh"; }
# twice: it must be idempotent
"$NM_SOURCE_DIR/deploy/postgres/apply-roles.sh" --prefix "$P" "$NM_DB" >/dev/null || fail "apply-roles.sh (again)"

as() { local role=$1; shift; psql -X -q -t -A -v ON_ERROR_STOP=1 -U "${P}_$role" -d "$NM_DB" "$@" 2>&1; }
url() { echo "host=$PGHOST port=$PGPORT user=${P}_$1 dbname=$NM_DB"; }

# ownership moved to the owner, who can migrate and create
[ "$(sql "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'jobs'")" = "${P}_owner" ] \
    || fail "jobs is not owned by the owner role"
NEWSMILL_DATABASE_URL=$(url owner) "$NEWSMILL" db migrate >/dev/null || fail "owner cannot run migrations"
as owner -c "CREATE TABLE ops_later (id bigserial PRIMARY KEY, v text)" >/dev/null || fail "owner cannot create a table"
ok "owner owns the schema and migrates"

# writer: the publisher's work, but no DDL, no TRUNCATE, no DELETE of results
out=$(NEWSMILL_DATABASE_URL=$(url writer) "$NEWSMILL" db migrate 2>&1) || fail "publisher start-up migration check fails as writer: $out"
grep -q "0 applied" <<<"$out" || fail "writer applied migrations: $out"
NEWSMILL_DATABASE_URL=$(url writer) "$NEWSMILL" feed add http://example.com/feed.xml >/dev/null || fail "writer cannot add a feed"
NEWSMILL_DATABASE_URL=$(url writer) "$NEWSMILL" feed remove http://example.com/feed.xml >/dev/null || fail "writer cannot remove a feed"
as writer -c "INSERT INTO ops_later (v) VALUES ('x')" >/dev/null || fail "default privileges: writer cannot insert into a table the owner created later"
for stmt in "CREATE TABLE evil (id int)" "DROP TABLE articles" "DELETE FROM articles" "DELETE FROM summaries" \
            "TRUNCATE jobs" "ALTER TABLE jobs ADD COLUMN x int" "DELETE FROM ops_later"; do
    out=$(as writer -c "$stmt") && fail "writer may: $stmt"
    grep -qi "permission denied\|must be owner" <<<"$out" || fail "writer: $stmt failed oddly: $out"
done
as writer -c "DELETE FROM jobs WHERE false" >/dev/null || fail "writer cannot delete jobs (retention)"
[ "$(as writer -c 'SHOW statement_timeout')" = 30s ] || fail "writer statement_timeout"
[ "$(as writer -c 'SHOW lock_timeout')" = 5s ] || fail "writer lock_timeout"
[ "$(as writer -c 'SHOW idle_in_transaction_session_timeout')" = 1min ] || fail "writer idle_in_transaction_session_timeout"
ok "writer: rows yes, DDL/TRUNCATE/DELETE of results no; timeouts set"

# reader: SELECT on tables and views, nothing else
[ "$(as reader -c "SELECT count(*) FROM job_counts")" -ge 0 ] 2>/dev/null || fail "reader cannot read the views"
out=$(as reader -c "INSERT INTO feeds (url) VALUES ('http://x/')") && fail "reader may insert"
out=$(as reader -c "SET default_transaction_read_only = off" -c "INSERT INTO feeds (url) VALUES ('http://x/')") && fail "reader may insert (read-only off)"
grep -qi "permission denied" <<<"$out" || fail "reader insert failed oddly: $out"
[ "$(as reader -c 'SHOW default_transaction_read_only')" = on ] || fail "reader transactions are not read-only"
[ "$(as reader -c 'SHOW statement_timeout')" = 5min ] || fail "reader statement_timeout"
ok "reader: SELECT only, read-only transactions, its own timeouts"
