-- Lorem Picsum's catalog table, plus the file order that seeded selection indexes into
-- and a version counter the API polls to refresh its in-memory snapshot.
CREATE TABLE image (
    id TEXT PRIMARY KEY NOT NULL,
    author TEXT NOT NULL,
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    url TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX image_position ON image (position, id);

CREATE TABLE catalog_version (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalog_version (singleton, version) VALUES (1, 0);

CREATE TRIGGER image_inserted AFTER INSERT ON image BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER image_updated AFTER UPDATE ON image BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER image_deleted AFTER DELETE ON image BEGIN UPDATE catalog_version SET version = version + 1; END;
