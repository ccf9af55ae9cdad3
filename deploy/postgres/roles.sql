-- newsmill's PostgreSQL roles: run once per database as a superuser (or a role
-- with CREATEROLE that owns the database), again after adding migrations that
-- need DELETE. Idempotent. Usually through deploy/postgres/apply-roles.sh.
--
--   owner  (default newsmill_owner)  owns the schema; runs `newsmill db migrate`.
--   writer (default newsmill_writer) the publisher: reads and writes rows, no DDL,
--          DELETE only where the pipeline or retention needs it, no TRUNCATE.
--   reader (default newsmill_reader) people and dashboards: SELECT only, read-only
--          transactions.
-- Each role has its own statement, lock and idle-in-transaction timeouts.
--
-- psql variables (psql -v name=value): owner, writer, reader.
\set ON_ERROR_STOP on
\if :{?owner}
\else
\set owner newsmill_owner
\endif
\if :{?writer}
\else
\set writer newsmill_writer
\endif
\if :{?reader}
\else
\set reader newsmill_reader
\endif
SET client_min_messages = warning;

-- roles (LOGIN; passwords are set by apply-roles.sh from files, never here)
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY[:'owner', :'writer', :'reader']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec

-- Timeouts per role. The writer's transactions are short (one result each):
-- a statement stuck 30 s or a lock waited on 5 s is a fault, and an idle
-- transaction must never hold leases' row locks. Readers may run reports.
ALTER ROLE :"writer" SET statement_timeout = '30s';
ALTER ROLE :"writer" SET lock_timeout = '5s';
ALTER ROLE :"writer" SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE :"reader" SET statement_timeout = '5min';
ALTER ROLE :"reader" SET lock_timeout = '1s';
ALTER ROLE :"reader" SET idle_in_transaction_session_timeout = '10min';
ALTER ROLE :"reader" SET default_transaction_read_only = on;
-- migrations wait for locks a little, then fail rather than block the pipeline
ALTER ROLE :"owner" SET lock_timeout = '10s';
ALTER ROLE :"owner" SET idle_in_transaction_session_timeout = '10min';

-- the database and its schema belong to the owner; nobody else creates objects
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'owner') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I, %I', current_database(), :'writer', :'reader') \gexec
SELECT format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database()) \gexec
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"writer", :"reader";

-- objects made before the roles existed (e.g. migrated by a superuser) move
-- to the owner, so later migrations can alter them
SELECT format('ALTER %s %I.%I OWNER TO %I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                             WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
              n.nspname, c.relname, :'owner')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
   AND pg_get_userbyid(c.relowner) <> :'owner'
   AND NOT (c.relkind = 'S' AND EXISTS (   -- owned sequences follow their table
           SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))) \gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'owner')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> :'owner' \gexec

-- privileges on what exists now
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO :"writer";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"writer";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader";
REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM :"writer";
-- DELETE only where it is part of the pipeline: finished jobs (retention,
-- `newsmill prune`), removed feeds and their jobs (`newsmill feed remove`),
-- story membership rebuilt by the clustering. Articles, summaries and
-- digests are never deleted by the pipeline.
SELECT format('GRANT DELETE ON %I TO %I', t, :'writer')
  FROM unnest(ARRAY['jobs', 'feeds', 'stories', 'story_articles']) AS t
 WHERE to_regclass(format('public.%I', t)) IS NOT NULL \gexec

-- and on what later migrations (run as the owner) create
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE ON TABLES TO :"writer";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"writer";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT ON TABLES TO :"reader";
