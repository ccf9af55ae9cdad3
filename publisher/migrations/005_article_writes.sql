-- How many times each article row was written. 1 is the norm; more means the
-- page was fetched again (a re-polled URL) or a duplicate result got through.
-- With fencing, a stale duplicate never gets through: the chaos test checks
-- sum(writes) = count(*) for a corpus where every URL is fetched once.
ALTER TABLE articles ADD COLUMN writes integer NOT NULL DEFAULT 1;
