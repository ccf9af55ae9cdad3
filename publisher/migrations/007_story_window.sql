-- newsmill schema: the story pass in batches, with its candidate window in
-- the publisher's memory (publisher/pub_story.h; bench/RESULTS.md,
-- "Publisher cost, round 2").
--
-- The pass keeps the assigned articles of the time windows it has looked at
-- (id, story, time, SimHash, key terms, title terms) in memory instead of
-- asking PostgreSQL for up to 5,000 candidates per article. The database
-- stays the truth: story_gen is a generation number that changes whenever
-- anything a window holds may have changed, and a pass throws its window
-- away when the number is not the one it left at its own last commit.
--  - Every pass transaction locks the row first (this is what serializes
--    passes across sessions: publisher tick, `newsmill digest`, a standby)
--    and reads it again before it commits.
--  - Triggers bump it for every other change a window could hold: writes
--    to story_articles, to articles' SimHash or key terms, an article's
--    title or time (coalesce(published_at, fetched_at)) changing, deleted
--    articles. A re-fetched article with the same text and time bumps
--    nothing; a new article bumps nothing (it has no story yet).
-- A writer that changes an article's time or title waits for a running
-- pass to commit (the row lock); the pass never waits for a writer's
-- article (it locks its batch with SKIP LOCKED), so the two cannot deadlock.
CREATE TABLE story_gen (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    gen bigint NOT NULL
);
INSERT INTO story_gen VALUES (true, 0);

CREATE FUNCTION story_gen_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE story_gen SET gen = gen + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER story_articles_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON story_articles
    FOR EACH STATEMENT EXECUTE FUNCTION story_gen_bump();
CREATE TRIGGER articles_story_terms_gen AFTER UPDATE OF simhash, story_terms ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION story_gen_bump();
CREATE TRIGGER articles_delete_gen AFTER DELETE OR TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION story_gen_bump();
CREATE TRIGGER articles_time_title_gen AFTER UPDATE OF title, published_at, fetched_at ON articles
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title
                       OR coalesce(OLD.published_at, OLD.fetched_at)
                          IS DISTINCT FROM coalesce(NEW.published_at, NEW.fetched_at))
    EXECUTE FUNCTION story_gen_bump();

-- The article text's TOAST compression: lz4 where the server has it.
-- pglz took ~0.3 ms of the ~0.5 ms an article row cost to write without
-- its full-text index (12 KB of text; bench/RESULTS.md, round 2); lz4 does
-- the same in a fraction of that and compresses about as well. Rows
-- written before keep pglz; both read the same.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE articles ALTER COLUMN text SET COMPRESSION lz4;
    END IF;
END $$;
