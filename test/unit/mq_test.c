/*-------------------------------------------------------------------------
 *
 * mq_test.c
 *	  Runner of the pure-C unit tests.
 *
 * IDENTIFICATION
 *	  test/unit/mq_test.c
 *
 *-------------------------------------------------------------------------
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "mq_test.h"
#include "suites.h"

int			mq_test_current_failed;
static int	passed;
static int	failed;
static const char *only;		/* run only tests whose name contains this */

void
mq_test_fail(const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	mq_test_current_failed++;
	printf("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void
mq_test_run(const char *name, void (*fn) (void))
{
	if (only != NULL && strstr(name, only) == NULL)
		return;
	mq_test_current_failed = 0;
	fn();
	if (mq_test_current_failed == 0)
	{
		passed++;
		printf("ok %d - %s\n", passed + failed, name);
	}
	else
	{
		failed++;
		printf("not ok %d - %s\n", passed + failed, name);
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	/* Tests write to sockets whose peer may be gone. */
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1)
		only = argv[1];
	MQ_RUN_ALL_SUITES();
	printf("1..%d\n", passed + failed);
	printf("unit: %d passed, %d failed\n", passed, failed);
	return (failed == 0 && passed > 0) ? 0 : 1;
}
