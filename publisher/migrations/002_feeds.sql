-- Feeds at production grade: adaptive polling, per-feed rules, entry
-- identity beyond the URL, and dates that were missing or in the future.

-- Per-feed rules on entry title + summary: case-insensitive PostgreSQL
-- regular expressions (a plain keyword is one). An entry becomes an article
-- job only if it matches some include pattern (when there are any) and no
-- exclude pattern. Entries dropped by the rules are counted, not stored.
ALTER TABLE feeds ADD COLUMN include_patterns text[] NOT NULL DEFAULT '{}';
ALTER TABLE feeds ADD COLUMN exclude_patterns text[] NOT NULL DEFAULT '{}';
ALTER TABLE feeds ADD COLUMN entries_filtered bigint NOT NULL DEFAULT 0;
-- false when the interval was set by hand (feed add --interval): keep it.
ALTER TABLE feeds ADD COLUMN adaptive boolean NOT NULL DEFAULT true;
-- Why the current interval: "median gap 1h20m / 2", "ttl 60m", ... (for people)
ALTER TABLE feeds ADD COLUMN poll_reason text;
ALTER TABLE feeds ADD COLUMN site_url text;

-- Entry identity inside a feed (GUID/id, else link, else a hash): an entry
-- seen before is not fetched again even when its link changes.
ALTER TABLE jobs ADD COLUMN entry_key text;
CREATE INDEX jobs_feed_entry_key ON jobs (feed_id, entry_key) WHERE kind = 'article' AND entry_key IS NOT NULL;
-- 'missing' (no date in the feed: fetch time used) or 'future' (clamped to fetch time).
ALTER TABLE jobs ADD COLUMN entry_date_note text;

-- Articles are keyed by canonical_url (UNIQUE); the URL a page was fetched
-- under is also known, so an entry pointing at either is not fetched again.
CREATE INDEX articles_url ON articles (url);

CREATE OR REPLACE VIEW feed_health AS
SELECT f.id, f.url, f.title, f.poll_interval, f.next_poll, f.last_polled_at,
       f.error_count, f.last_error,
       (SELECT count(*) FROM jobs j WHERE j.feed_id = f.id AND j.kind = 'article') AS entries,
       (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS articles,
       CASE WHEN f.error_count = 0 THEN 'ok'
            WHEN f.error_count < 3 THEN 'degraded'
            ELSE 'failing' END AS health,
       f.entries_filtered, f.include_patterns, f.exclude_patterns, f.poll_reason
FROM feeds f;
