#include "pub_retention.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

int64_t pub_retention_prune(pub_db_t *db, int days, int batch, char *err, size_t errlen)
{
    if (days <= 0)
        return 0;
    char d[16], b[16];
    snprintf(d, sizeof d, "%d", days);
    snprintf(b, sizeof b, "%d", batch > 0 ? batch : 1000);
    const char *p[2] = { d, b };
    /* SKIP LOCKED: never wait on a job someone is finishing right now */
    PGresult *r = pub_db_query(db,
        "WITH old AS (SELECT id FROM jobs"
        "   WHERE kind = 'article' AND state IN ('done', 'failed', 'dead')"
        "     AND coalesce(finished_at, updated_at) < now() - make_interval(days => $1::int)"
        "   ORDER BY id LIMIT $2::int FOR UPDATE SKIP LOCKED)"
        " DELETE FROM jobs j USING old WHERE j.id = old.id",
        2, p, err, errlen);
    if (!r)
        return -1;
    int64_t n = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return n;
}
