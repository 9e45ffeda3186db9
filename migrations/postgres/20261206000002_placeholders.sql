-- Placeholder data computed at import: the ThumbHash (standard base64) and the dominant colour
-- (#rrggbb); '' when not computed.
ALTER TABLE image ADD COLUMN thumbhash TEXT NOT NULL DEFAULT '';
ALTER TABLE image ADD COLUMN color TEXT NOT NULL DEFAULT '';
