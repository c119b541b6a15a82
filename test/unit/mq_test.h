/*-------------------------------------------------------------------------
 *
 * mq_test.h
 *	  A minimal TAP-producing harness for the pure-C unit tests.
 *
 * Each test_<module>.c defines 'void suite_<module>(void)' that calls
 * MQ_RUN(fn) for each of its tests; the build generates the list of suites.
 * A test passes when none of its checks failed.  The last line printed is
 * "unit: N passed, N failed".
 *
 * IDENTIFICATION
 *	  test/unit/mq_test.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_TEST_H
#define MQ_TEST_H

#include <stdint.h>
#include <string.h>

extern int	mq_test_current_failed;

extern void mq_test_run(const char *name, void (*fn) (void));
extern void mq_test_fail(const char *file, int line, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

#define MQ_RUN(fn) mq_test_run(#fn, fn)

#define CHECK(cond) \
	do { if (!(cond)) mq_test_fail(__FILE__, __LINE__, "%s", #cond); } while (0)

#define CHECK_INT(actual, expected) \
	do { \
		long long a_ = (long long) (actual), e_ = (long long) (expected); \
		if (a_ != e_) \
			mq_test_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", \
						 #actual, a_, e_); \
	} while (0)

#define CHECK_STR(actual, expected) \
	do { \
		const char *a_ = (actual), *e_ = (expected); \
		if (a_ == NULL || strcmp(a_, e_) != 0) \
			mq_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", \
						 #actual, a_ ? a_ : "(null)", e_); \
	} while (0)

#define CHECK_MEM(actual, expected, len) \
	do { \
		if (memcmp((actual), (expected), (len)) != 0) \
			mq_test_fail(__FILE__, __LINE__, "%s differs from %s", #actual, #expected); \
	} while (0)

#endif							/* MQ_TEST_H */
