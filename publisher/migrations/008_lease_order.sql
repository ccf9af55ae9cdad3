-- newsmill schema: the lease query reads due jobs in its own order
-- (bench/RESULTS.md, "Publisher cost, round 3").
--
-- pub_db_lease hands out due jobs by (next_attempt, id), up to a batch.
-- Through jobs_due (next_attempt only) PostgreSQL fetched every due job and
-- sorted them for each call: 4.4 ms a call with 10,000 jobs due, several
-- calls a second. With the order in the index, the pending half of the
-- query is a short index scan that stops at the batch size (it locks rows
-- as it goes, SKIP LOCKED); the other half (leased jobs whose lease
-- expired) is found through jobs_lease_expiry and is small.
-- This index replaces jobs_due (its leading column serves the same
-- queries), so a job's state changes maintain one index, not two.
CREATE INDEX jobs_due_order ON jobs (next_attempt, id) WHERE state = 'pending';
DROP INDEX jobs_due;
