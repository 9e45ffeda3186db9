-- Lorem Picsum's catalog table, plus the file order that seeded selection indexes into
-- and a version counter the API polls to refresh its in-memory snapshot.
CREATE TABLE image (
    id text PRIMARY KEY,
    author text NOT NULL,
    width integer NOT NULL CHECK (width > 0),
    height integer NOT NULL CHECK (height > 0),
    url text NOT NULL,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX image_position ON image (position, id);

CREATE TABLE catalog_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL
);
INSERT INTO catalog_version (singleton, version) VALUES (true, 0);

CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1;
    RETURN NULL;
END
$$;

-- Per row, so an upsert that changes nothing does not count as a change.
CREATE TRIGGER image_changed AFTER INSERT OR UPDATE OR DELETE ON image
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER image_truncated AFTER TRUNCATE ON image
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
