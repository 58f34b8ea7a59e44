-- Typo tolerance for search: pg_trgm's default word-similarity threshold (0.6)
-- misses one dropped letter in a short word ("wison" for "Wilson" scores 0.44).
-- The search itself sets 0.4 per transaction (SET LOCAL); this makes it the
-- database's default too, for ad-hoc queries by operators.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET pg_trgm.word_similarity_threshold = 0.4', current_database());
END
$$;
