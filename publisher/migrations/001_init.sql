-- newsmill schema, version 1. Applied once by pub_db_migrate inside its own
-- transaction; never edit a migration that has shipped, add a new one.

CREATE TABLE feeds (
    id             bigserial PRIMARY KEY,
    url            text NOT NULL UNIQUE,
    title          text,
    poll_interval  integer NOT NULL DEFAULT 900 CHECK (poll_interval > 0),
    next_poll      timestamptz NOT NULL DEFAULT now(),
    etag           text,
    last_modified  text,
    error_count    integer NOT NULL DEFAULT 0,
    last_error     text,
    last_polled_at timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE jobs (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('feed', 'article')),
    url             text NOT NULL,
    -- Feed jobs are removed with their feed explicitly (see pub_db_feed_remove);
    -- article jobs outlive the feed that found them.
    feed_id         bigint REFERENCES feeds(id) ON DELETE SET NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'leased', 'done', 'failed', 'dead')),
    attempt         integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL DEFAULT 5,
    lease_owner     text,
    lease_token     uuid,
    lease_expires   timestamptz,
    next_attempt    timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    entry_title     text,
    entry_published timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
-- An entry seen before is never fetched again; one recurring job per feed.
CREATE UNIQUE INDEX jobs_article_url ON jobs (url) WHERE kind = 'article';
CREATE UNIQUE INDEX jobs_feed_one ON jobs (feed_id) WHERE kind = 'feed';
CREATE INDEX jobs_due ON jobs (next_attempt) WHERE state = 'pending';
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires) WHERE state = 'leased';
CREATE INDEX jobs_finished_bad ON jobs (updated_at) WHERE state IN ('failed', 'dead');

CREATE TABLE articles (
    id            bigserial PRIMARY KEY,
    canonical_url text NOT NULL UNIQUE,
    url           text NOT NULL,
    source_site   text,
    title         text,
    byline        text,
    published_at  timestamptz,
    language      text,
    text          text NOT NULL DEFAULT '',
    word_count    integer NOT NULL DEFAULT 0,
    content_hash  text,            -- sha256 of text, hex; set by the writer in SQL
    fetched_at    timestamptz NOT NULL DEFAULT now(),
    feed_id       bigint REFERENCES feeds(id) ON DELETE SET NULL,
    job_id        bigint REFERENCES jobs(id) ON DELETE SET NULL
);
CREATE INDEX articles_fts ON articles
    USING gin (to_tsvector('english', coalesce(title, '') || ' ' || coalesce(text, '')));
CREATE INDEX articles_published ON articles (published_at);
CREATE INDEX articles_fetched ON articles (fetched_at);

CREATE TABLE summaries (
    id          bigserial PRIMARY KEY,
    article_id  bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    backend     text NOT NULL,
    language    text NOT NULL DEFAULT '',
    title       text,
    summary     text NOT NULL DEFAULT '',
    topics      text[] NOT NULL DEFAULT '{}',
    tokens_used integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (article_id, backend, language)
);

CREATE TABLE digests (
    date       date NOT NULL,
    language   text NOT NULL,
    format     text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (date, language, format)
);

-- Today's articles (UTC calendar day of publication, else of fetching), one
-- row per article and summary (articles without a summary appear once).
CREATE VIEW todays_articles AS
SELECT a.id, a.canonical_url, a.source_site, a.title, a.byline, a.published_at,
       a.fetched_at, a.word_count, s.backend, s.language AS summary_language,
       s.title AS translated_title, s.summary, s.topics
FROM articles a
LEFT JOIN summaries s ON s.article_id = a.id
WHERE (coalesce(a.published_at, a.fetched_at) AT TIME ZONE 'UTC')::date
      = (now() AT TIME ZONE 'UTC')::date;

CREATE VIEW articles_per_source_day AS
SELECT coalesce(source_site, '') AS source_site,
       (coalesce(published_at, fetched_at) AT TIME ZONE 'UTC')::date AS day,
       count(*) AS count
FROM articles
GROUP BY 1, 2;

CREATE VIEW job_counts AS
SELECT state, kind, count(*) AS count FROM jobs GROUP BY state, kind;

CREATE VIEW feed_health AS
SELECT f.id, f.url, f.title, f.poll_interval, f.next_poll, f.last_polled_at,
       f.error_count, f.last_error,
       (SELECT count(*) FROM jobs j WHERE j.feed_id = f.id AND j.kind = 'article') AS entries,
       (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS articles,
       CASE WHEN f.error_count = 0 THEN 'ok'
            WHEN f.error_count < 3 THEN 'degraded'
            ELSE 'failing' END AS health
FROM feeds f;
