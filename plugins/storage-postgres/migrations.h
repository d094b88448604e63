/*
 * migrations.h: the schema migrations of sql/postgres, embedded at build time
 * by embed-sql.sh (migrations.c is generated), applied in order at open.
 */
#ifndef LW_PG_MIGRATIONS_H
#define LW_PG_MIGRATIONS_H

struct pg_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct pg_migration pg_migrations[];
extern const int pg_n_migrations;

#endif
