/*-------------------------------------------------------------------------
 *
 * lg_proc.h
 *	  CPU and memory samples of the loader, the broker and the machine,
 *	  read from getrusage and /proc.
 *
 * IDENTIFICATION
 *	  test/bench/lg_proc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_PROC_H
#define LG_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct lg_cpu_sample
{
	int64_t		wall_ns;		/* 0: never taken */
	double		self_s;			/* this process, user + system */
	double		broker_s;		/* the broker process, < 0 if unknown */
	double		busy_s;			/* machine: user, system and interrupt time */
	double		steal_s;		/* machine: taken by the hypervisor */
} lg_cpu_sample;

/* CPU used between two samples, in cores (1.0 = one core fully busy). */
typedef struct lg_cpu_use
{
	double		self;
	double		broker;			/* < 0 if unknown */
	double		steal;			/* time the hypervisor gave to other guests */
	double		other;			/* other processes, interrupts not charged
								 * to the loader or the broker */
} lg_cpu_use;

typedef struct lg_mem_sample
{
	long long	rss_kb;			/* VmRSS, < 0 if unknown */
	long long	pss_kb;			/* Pss from smaps_rollup, < 0 if unknown */
} lg_mem_sample;

extern void lg_cpu_sample_take(lg_cpu_sample *s, pid_t broker);
extern void lg_cpu_use_between(const lg_cpu_sample *a, const lg_cpu_sample *b,
							   lg_cpu_use *use);
extern void lg_mem_sample_take(lg_mem_sample *m, pid_t pid);

#endif							/* LG_PROC_H */
