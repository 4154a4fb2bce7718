-- Each user's note (docs/guide.md, "A new column on users").
ALTER TABLE users ADD COLUMN note TEXT NOT NULL DEFAULT '';
