-- migrations/sqlite/0012 makes SQLite's two time-order indexes carry every
-- filter column. PostgreSQL's index scans read the heap row of every entry
-- they filter, so the same columns would only make its indexes larger: this
-- migration keeps the two backends' numbering in step and changes nothing.
SELECT 1;
