/* nm_test_pg: a database of its own for one unit test, on the throwaway
 * PostgreSQL cluster tests/run.sh starts (NEWSMILL_TEST_PG: its connection
 * string without a dbname). nm_test_pg_create makes nm_test_<test>_<pid>
 * and fills conninfo for it; nm_test_pg_drop removes it at the end. */
#ifndef NM_TEST_PG_H
#define NM_TEST_PG_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
    PGconn *root;         /* on the cluster's postgres database: creates and drops */
    char name[64];
    char conninfo[1024];  /* the test's database */
} nm_test_pg_t;

/* 0, or -1 with the reason on stderr (the test cannot run). */
static inline int nm_test_pg_create(nm_test_pg_t *t, const char *test)
{
    const char *base = getenv("NEWSMILL_TEST_PG");
    if (!base || !*base) {
        fprintf(stderr, "test_%s: NEWSMILL_TEST_PG is not set (run through tests/run.sh)\n", test);
        return -1;
    }
    char admin[1024], sql[128];
    snprintf(admin, sizeof admin, "%s dbname=postgres", base);
    t->root = PQconnectdb(admin);
    if (PQstatus(t->root) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect: %s", PQerrorMessage(t->root));
        PQfinish(t->root);
        t->root = NULL;
        return -1;
    }
    snprintf(t->name, sizeof t->name, "nm_test_%s_%d", test, (int)getpid());
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->name);
    PQclear(PQexec(t->root, sql));
    snprintf(t->conninfo, sizeof t->conninfo, "%s dbname=%s", base, t->name);
    return 0;
}

static inline void nm_test_pg_drop(nm_test_pg_t *t)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", t->name);
    PQclear(PQexec(t->root, sql));
    PQfinish(t->root);
    t->root = NULL;
}

#endif
