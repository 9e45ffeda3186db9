-- Catalog tags for ?tag= filters: lowercase a-z, 0-9 and '-', comma-separated, sorted
-- ('' for none). Orientation tags are computed from the size, never stored.
ALTER TABLE image ADD COLUMN tags TEXT NOT NULL DEFAULT '';
