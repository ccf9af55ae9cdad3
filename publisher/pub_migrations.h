/* pub_migrations: the schema migrations compiled into the binary.
 *
 * The table is generated at build time from publisher/migrations/NNN_name.sql
 * (publisher/embed_migrations.cmake), sorted by name, terminated by
 * { NULL, NULL }. pub_db_migrate applies the ones not yet recorded. */
#ifndef PUB_MIGRATIONS_H
#define PUB_MIGRATIONS_H

typedef struct {
    const char *name;   /* file name without .sql, e.g. "001_init" */
    const char *sql;    /* the whole file, NUL-terminated */
} pub_migration_t;

extern const pub_migration_t pub_migrations[];
extern const int pub_migrations_count;

#endif
