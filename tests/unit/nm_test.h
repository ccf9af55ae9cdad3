/* nm_test: the smallest useful unit-test harness.
 *
 * CHECK(cond) records a failure with file:line and goes on; CHECK_STR and
 * CHECK_INT print both sides. main() ends with `return nm_test_done();`,
 * which prints a summary and returns non-zero if anything failed. */
#ifndef NM_TEST_H
#define NM_TEST_H

#include <stdio.h>
#include <string.h>

static int nm_test_checks, nm_test_failures;

#define CHECK(cond) do { nm_test_checks++; if (!(cond)) { nm_test_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); nm_test_checks++; \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { nm_test_failures++; \
    fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s\n  got:      \"%s\"\n  expected: \"%s\"\n", \
            __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)

#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); nm_test_checks++; \
    if (a_ != b_) { nm_test_failures++; \
    fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %s (got %lld, expected %lld)\n", \
            __FILE__, __LINE__, #a, #b, a_, b_); } } while (0)

static inline int nm_test_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", nm_test_checks, nm_test_failures);
    return nm_test_failures ? 1 : 0;
}

#endif
