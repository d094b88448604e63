-- 001_init.sql: the first schema of the SQLite store (plugins/storage-sqlite).
-- Applied once, inside a transaction, when PRAGMA user_version is below 1.

-- Every collection in one table: (coll, key) clusters each collection's rows
-- together (WITHOUT ROWID), so a collection scan reads one contiguous range,
-- and a collection added to the ABI later needs no migration.
CREATE TABLE documents (
	coll INTEGER NOT NULL,   -- enum lw_st_coll
	key TEXT NOT NULL,       -- compared bytewise (BINARY collation)
	owner TEXT,              -- the endpoint (or user) it belongs to, or NULL
	json TEXT NOT NULL,
	updated REAL NOT NULL,   -- seconds since the epoch
	PRIMARY KEY (coll, key)
) WITHOUT ROWID;
CREATE INDEX documents_owner ON documents (coll, owner, key) WHERE owner IS NOT NULL;

-- The endpoints that have points, numbered: a point row and its index entry
-- carry a small integer instead of the name (smaller pages, cheaper compares).
CREATE TABLE endpoints (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);

-- One row per reported value. path packs the first three levels into one
-- integer, oid * 2^32 + iid * 2^16 + rid, so that a prefix by path segments
-- is one range of it (/3303 is [3303 * 2^32, 3304 * 2^32 - 1]) and /3303 can
-- never match /33030; riid is the fourth level (65535: none). v holds the
-- value in the storage class its type needs: INTEGER for integer, unsigned
-- (the same 64 bits), boolean, time and objlnk (oid * 65536 + iid); REAL for
-- float (NaN as its 8 bytes in a BLOB); BLOB for string, opaque and corelnk.
-- seq keeps insertion order for ties.
CREATE TABLE points (
	seq INTEGER PRIMARY KEY,
	ep INTEGER NOT NULL,     -- endpoints.id
	path INTEGER NOT NULL,
	riid INTEGER NOT NULL,
	time REAL NOT NULL,
	type INTEGER NOT NULL,   -- lw_type
	v
);
-- Serves ts_query: the endpoint by equality, then time (and seq, the rowid
-- every index ends with), read backwards for the newest N with no sort; the
-- path prefix is checked on the rows. The path is left out of the key on
-- purpose: each batch dirties one index page per key prefix it touches, and
-- per endpoint rather than per resource that is several times fewer pages
-- written (the bulk of ingest cost); a query for one resource of a device
-- that reports many pays by reading that device's other points in the range.
CREATE INDEX points_query ON points (ep, time);

CREATE TABLE audit (
	seq INTEGER PRIMARY KEY,
	time REAL NOT NULL,
	actor TEXT NOT NULL,
	endpoint TEXT,
	action TEXT NOT NULL,
	detail TEXT
);
CREATE INDEX audit_time ON audit (time);
CREATE INDEX audit_endpoint ON audit (endpoint, time) WHERE endpoint IS NOT NULL;
