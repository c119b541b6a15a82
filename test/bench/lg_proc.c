/*-------------------------------------------------------------------------
 *
 * lg_proc.c
 *	  CPU and memory samples from getrusage and /proc.
 *
 * /proc/<pid>/stat and /proc/stat count in clock ticks (usually 10 ms), so
 * a five-second interval resolves CPU use to about 0.2% of a core.
 *
 * IDENTIFICATION
 *	  test/bench/lg_proc.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lg_proc.h"

static double
ticks_to_s(unsigned long long ticks)
{
	static long hz;

	if (hz <= 0)
		hz = sysconf(_SC_CLK_TCK);
	return (double) ticks / (double) (hz > 0 ? hz : 100);
}

/* User + system CPU seconds of 'pid', or -1. */
static double
process_cpu(pid_t pid)
{
	char		path[64],
				buf[1024];
	FILE	   *f;
	size_t		n;
	char	   *p;
	unsigned long long utime,
				stime;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may contain anything; fields resume after its ')'. */
	p = strrchr(buf, ')');
	if (p == NULL ||
		sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &utime, &stime) != 2)
		return -1;
	return ticks_to_s(utime + stime);
}

/* Machine-wide CPU seconds by kind; all -1 when unreadable. */
static void
machine_cpu(lg_cpu_sample *s)
{
	FILE	   *f = fopen("/proc/stat", "r");
	unsigned long long user = 0,
				nice = 0,
				sys = 0,
				idle = 0,
				iowait = 0,
				irq = 0,
				softirq = 0,
				steal = 0;
	int			got = 0;

	s->busy_s = s->steal_s = -1;
	if (f == NULL)
		return;
	got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
				 &user, &nice, &sys, &idle, &iowait, &irq, &softirq, &steal);
	fclose(f);
	if (got < 8)
		return;
	/* A process's own time includes interrupts serviced in its context. */
	s->busy_s = ticks_to_s(user + nice + sys + irq + softirq);
	s->steal_s = ticks_to_s(steal);
}

void
lg_cpu_sample_take(lg_cpu_sample *s, pid_t broker)
{
	struct rusage ru;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->wall_ns = (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
	getrusage(RUSAGE_SELF, &ru);
	s->self_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	s->broker_s = broker > 0 ? process_cpu(broker) : -1;
	machine_cpu(s);
}

void
lg_cpu_use_between(const lg_cpu_sample *a, const lg_cpu_sample *b,
				   lg_cpu_use *use)
{
	double		wall = (double) (b->wall_ns - a->wall_ns) / 1e9;
	double		other;

	memset(use, 0, sizeof(*use));
	use->broker = -1;
	if (a->wall_ns == 0 || b->wall_ns == 0 || wall <= 0)
		return;
	use->self = (b->self_s - a->self_s) / wall;
	if (a->broker_s >= 0 && b->broker_s >= 0)
		use->broker = (b->broker_s - a->broker_s) / wall;
	if (a->busy_s >= 0 && b->busy_s >= 0)
	{
		other = (b->busy_s - a->busy_s) / wall - use->self -
			(use->broker > 0 ? use->broker : 0);
		use->other = other > 0 ? other : 0;
		use->steal = (b->steal_s - a->steal_s) / wall;
	}
}

/* The first "<name>: N kB" line of a /proc file, or -1. */
static long long
proc_kb(pid_t pid, const char *file, const char *name)
{
	char		path[64],
				line[256];
	size_t		len = strlen(name);
	long long	kb = -1;
	FILE	   *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, len) == 0 && line[len] == ':' &&
			sscanf(line + len + 1, "%lld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Resident and proportional set size of 'pid' in kB (-1 when unreadable). */
void
lg_mem_sample_take(lg_mem_sample *m, pid_t pid)
{
	m->rss_kb = pid > 0 ? proc_kb(pid, "status", "VmRSS") : -1;
	m->pss_kb = pid > 0 ? proc_kb(pid, "smaps_rollup", "Pss") : -1;
}
