-- 001_init.sql: the first schema of the PostgreSQL store (plugins/storage-postgres).
-- Applied once, in one transaction, under the migration advisory lock; the
-- plugin records it in lwm2md_schema. Never edit a released migration: add
-- 002_*.sql instead.

-- Documents of every collection in one table: the key order of doc_list is
-- bytewise, hence COLLATE "C".
CREATE TABLE lwm2md_docs (
	coll smallint NOT NULL,
	key text COLLATE "C" NOT NULL,
	owner text COLLATE "C",
	json text NOT NULL,
	updated double precision NOT NULL,
	PRIMARY KEY (coll, key)
);
CREATE INDEX lwm2md_docs_owner ON lwm2md_docs (coll, owner, key) WHERE owner IS NOT NULL;

-- Time series: one row per reported value, partitioned by day on time
-- (seconds since the epoch). The plugin creates a partition before it
-- inserts the first point of a day; the default partition only catches what
-- could not get one. Strings, opaque values and link-format text go to vb
-- as bytes (a device may send anything); numbers go to vi or vf. seq orders
-- points of equal time in insertion order.
CREATE SEQUENCE lwm2md_points_seq;
CREATE TABLE lwm2md_points (
	endpoint text COLLATE "C" NOT NULL,
	oid integer NOT NULL,
	iid integer NOT NULL,
	rid integer NOT NULL,
	riid integer NOT NULL,
	time double precision NOT NULL,
	seq bigint NOT NULL DEFAULT nextval('lwm2md_points_seq'),
	type smallint NOT NULL,
	vi bigint,
	vf double precision,
	vb bytea
) PARTITION BY RANGE (time);
CREATE INDEX lwm2md_points_ep_time ON lwm2md_points (endpoint, time);
CREATE TABLE lwm2md_points_default PARTITION OF lwm2md_points DEFAULT;

-- The audit log.
CREATE TABLE lwm2md_audit (
	id bigserial PRIMARY KEY,
	time double precision NOT NULL,
	actor text NOT NULL,
	endpoint text COLLATE "C",
	action text NOT NULL,
	detail text
);
CREATE INDEX lwm2md_audit_time ON lwm2md_audit (time);
CREATE INDEX lwm2md_audit_ep_time ON lwm2md_audit (endpoint, time);

-- One row per committed batch, inserted first in the batch's own transaction:
-- after a connection loss during COMMIT the retry inserts the same id, and a
-- duplicate key tells it the first attempt committed, so that a retry never
-- applies a batch twice. Rows older than a day are deleted hourly.
CREATE TABLE lwm2md_batches (
	id bigint PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now()
);
