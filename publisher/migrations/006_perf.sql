-- newsmill schema: publisher cost (bench/RESULTS.md, "publisher cost").
--
-- 1. The story pass's own write must not re-index the article's text.
--    articles_story_pending's predicate reads story_hash, so every
--    "UPDATE articles SET simhash, story_terms, story_hash" in the pass was a
--    non-HOT update: new entries in every index, including the GIN full-text
--    index, i.e. to_tsvector(title || text) computed again for every article
--    (3 ms of the ~8 ms PostgreSQL spent per article). Pending articles are
--    now found through story_queue, filled by a trigger, and that index goes:
--    the pass's update touches no indexed column and stays on its page (HOT).
--    Pending still means story_hash <> content_hash (pub_story.h); the queue
--    is only a superset of the pending articles that the pass works through:
--    every row insert, and every update that changes content_hash or
--    story_hash leaving them different, enqueues the article; the pass marks
--    a row done in the transaction that holds the article's row lock and
--    (re)assigns it, so a concurrent rewrite enqueues it again after.
--    No DELETE: the writer role has none here (deploy/postgres/roles.sql).
CREATE TABLE story_queue (
    article_id bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    done       boolean NOT NULL DEFAULT false
);
CREATE INDEX story_queue_todo ON story_queue (article_id) WHERE NOT done;

CREATE FUNCTION story_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO story_queue (article_id) VALUES (NEW.id)
        ON CONFLICT (article_id) DO UPDATE SET done = false WHERE story_queue.done;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_story_enqueue
    AFTER INSERT OR UPDATE OF content_hash, story_hash ON articles
    FOR EACH ROW WHEN (coalesce(NEW.story_hash, '-') <> coalesce(NEW.content_hash, ''))
    EXECUTE FUNCTION story_enqueue();

INSERT INTO story_queue (article_id)
    SELECT id FROM articles WHERE coalesce(story_hash, '-') <> coalesce(content_hash, '');
DROP INDEX articles_story_pending;
-- Room on each page for the pass's HOT update: it adds ~330 bytes to every
-- row (story_terms, simhash, story_hash) and writes a whole new version of
-- it, so at the default fill only 1 in 3 stayed HOT. The heap is small next
-- to the text's TOAST (0.7 of 14 MB per 1,000 articles): half-full pages
-- cost little.
ALTER TABLE articles SET (fillfactor = 50);

-- 2. ANALYZE must not compute the full-text index's expression. For an
--    expression index ANALYZE evaluates the expression on every sampled row
--    (up to 30,000): to_tsvector of every article's text, ~2.5 ms each, so
--    each autoanalyze of articles cost seconds at a few thousand rows and
--    ~75 s of CPU at 30,000, again every 10% of growth (and each article is
--    written twice: the insert and the story pass). That was most of
--    PostgreSQL's per-article cost and why it grew with the table. Without
--    these statistics a full-text match is planned with the default
--    selectivity (0.5%), which picks this index for a search as before.
ALTER INDEX articles_fts ALTER COLUMN 1 SET STATISTICS 0;

-- 3. Story candidates: the articles nearest in time within the window. With
--    this index the pass reads them outward from the article's time in two
--    ordered range scans that stop at the candidate limit, instead of
--    sorting every article of the window.
CREATE INDEX articles_story_time ON articles ((coalesce(published_at, fetched_at)), id);
