-- Typo tolerance for search: pg_trgm's default word-similarity threshold (0.6)
-- misses one dropped letter in a short word ("wison" for "Wilson" scores 0.44).
-- 0.4 finds those and still nothing unrelated. Set for every new session of
-- this database, and for the session running the migration.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET pg_trgm.word_similarity_threshold = 0.4', current_database());
END
$$;
SET pg_trgm.word_similarity_threshold = 0.4;
