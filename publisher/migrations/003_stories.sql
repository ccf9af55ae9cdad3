-- newsmill schema: same-story clustering across outlets, topics for SQL
-- users, and the scheduled digest's publication mark.
--
-- Stories are assigned by pub_story (publisher/pub_story.h) in a pass that
-- runs right after articles are written (every publisher tick, and before
-- `newsmill digest` builds a day). An article is pending while story_hash
-- differs from content_hash (a re-delivered article with new text is
-- assigned again); the pass is idempotent and keyed by article.

-- 64-bit SimHash of the text's word 3-shingles (stored as signed bigint; the
-- Hamming distance is bit_count((a # b)::bit(64))), the content_hash it was
-- computed from, and the article's key terms (stemmed, no stopwords) for
-- same-event similarity.
ALTER TABLE articles ADD COLUMN simhash bigint;
ALTER TABLE articles ADD COLUMN story_hash text;
ALTER TABLE articles ADD COLUMN story_terms text[];
CREATE INDEX articles_story_pending ON articles (id)
    WHERE coalesce(story_hash, '-') <> coalesce(content_hash, '');

CREATE TABLE stories (
    id          bigserial PRIMARY KEY,
    title       text NOT NULL DEFAULT '',   -- the first article's title
    first_seen  timestamptz NOT NULL,       -- earliest member's publication (else fetch) time
    last_seen   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stories_last_seen ON stories (last_seen);

-- One story per article. relation: 'first' (started the story), 'duplicate'
-- (SimHash within the Hamming threshold of a member: same copy, e.g. wire
-- text), 'same_event' (similar title and content within the time window).
CREATE TABLE story_articles (
    article_id  bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id    bigint NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    relation    text NOT NULL CHECK (relation IN ('first', 'duplicate', 'same_event')),
    matched_article_id bigint REFERENCES articles(id) ON DELETE SET NULL,
    hamming     integer,        -- to the matched article, when relation = 'duplicate'
    similarity  real,           -- the same-event score against the matched article
    added_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX story_articles_story ON story_articles (story_id);

-- Which outlets covered a story and how each framed it: one row per member
-- article with its best summary (LLM over extractive, newest first).
CREATE VIEW story_coverage AS
SELECT st.id AS story_id, st.title AS story_title, st.first_seen,
       (SELECT count(DISTINCT coalesce(a2.source_site, ''))
          FROM story_articles m2 JOIN articles a2 ON a2.id = m2.article_id
         WHERE m2.story_id = st.id) AS outlets,
       coalesce(a.source_site, '') AS outlet, a.id AS article_id, a.title,
       a.canonical_url, a.published_at, sa.relation,
       s.language AS summary_language, s.title AS translated_title, s.summary
FROM stories st
JOIN story_articles sa ON sa.story_id = st.id
JOIN articles a ON a.id = sa.article_id
LEFT JOIN LATERAL (SELECT * FROM summaries s WHERE s.article_id = a.id
                   ORDER BY (s.backend LIKE 'llm:%') DESC, s.created_at DESC LIMIT 1) s ON true;

-- Articles by topic: topics live in summaries.topics (one array per summary
-- backend and language); this view gives one row per article and topic.
-- e.g. SELECT title, outlet FROM article_topics WHERE topic = 'diplomacy';
CREATE INDEX summaries_topics ON summaries USING gin (topics);
CREATE VIEW article_topics AS
SELECT DISTINCT a.id AS article_id, t.topic, a.title, coalesce(a.source_site, '') AS outlet,
       a.canonical_url, a.published_at, a.fetched_at
FROM articles a
JOIN summaries s ON s.article_id = a.id
CROSS JOIN LATERAL unnest(s.topics) AS t(topic);

-- The scheduled digest marks what it published, so a restart neither skips
-- nor repeats a day; `newsmill digest` on demand leaves it NULL.
ALTER TABLE digests ADD COLUMN published_at timestamptz;
