/*
 * migrations.h: the schema of sql/sqlite, embedded at build time by
 * migrations.sh (see local.mk): entry i brings PRAGMA user_version to i + 1.
 */
#ifndef LW_SQLITE_MIGRATIONS_H
#define LW_SQLITE_MIGRATIONS_H

extern const char *const lw_sqlite_migrations[];
extern const unsigned lw_sqlite_migration_count;

#endif
