/*-------------------------------------------------------------------------
 *
 * mq_listen.c
 *	  Resolve, bind and accept TCP listening sockets.
 *
 * IDENTIFICATION
 *	  src/net/mq_listen.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* accept4 */
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/mq_listen.h"

mq_err
mq_listen_parse(const char *list, char (*hosts)[MQ_LISTEN_HOST_MAX],
				int max_hosts, int *nhosts)
{
	const char *p = list;
	int			n = 0;

	*nhosts = 0;
	if (list == NULL)
		return MQ_OK;
	while (*p && isspace((unsigned char) *p))
		p++;
	if (*p == '\0')
		return MQ_OK;
	for (;;)
	{
		const char *start;
		const char *end;
		size_t		len;

		while (*p && isspace((unsigned char) *p))
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && isspace((unsigned char) end[-1]))
			end--;
		len = (size_t) (end - start);
		if (len == 0 || len >= MQ_LISTEN_HOST_MAX)
			return MQ_ERR_INVALID;
		if (n == max_hosts)
			return MQ_ERR_TOO_LARGE;
		memcpy(hosts[n], start, len);
		hosts[n][len] = '\0';
		n++;
		if (*p == '\0')
			break;
		p++;					/* skip the comma */
	}
	*nhosts = n;
	return MQ_OK;
}

static void
format_addr(const struct sockaddr *sa, char *buf, size_t buflen, int *port)
{
	const void *raw;

	if (sa->sa_family == AF_INET6)
	{
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) sa;

		raw = &s6->sin6_addr;
		*port = ntohs(s6->sin6_port);
	}
	else
	{
		const struct sockaddr_in *s4 = (const struct sockaddr_in *) sa;

		raw = &s4->sin_addr;
		*port = ntohs(s4->sin_port);
	}
	if (inet_ntop(sa->sa_family, raw, buf, (socklen_t) buflen) == NULL)
		snprintf(buf, buflen, "?");
}

static int
already_bound(const mq_listen_set *set, const char *addr, int port_asked)
{
	int			i;

	/* With an ephemeral port every socket differs; otherwise dedup. */
	if (port_asked == 0)
		return 0;
	for (i = 0; i < set->count; i++)
		if (strcmp(set->items[i].addr, addr) == 0)
			return 1;
	return 0;
}

static void
report(mq_listen_error_cb cb, void *arg, const char *host, int port,
	   const char *what, const char *detail)
{
	if (cb)
		cb(arg, host, port, what, detail);
}

/* Open one socket for one resolved address; -1 on failure (reported). */
static int
open_one(const struct addrinfo *ai, const char *host, int port, int backlog,
		 mq_listen_error_cb on_error, void *arg)
{
	int			fd;
	int			one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
	if (fd < 0)
	{
		report(on_error, arg, host, port, "socket", strerror(errno));
		return -1;
	}
	(void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		(void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0)
	{
		report(on_error, arg, host, port, "bind", strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, backlog) != 0)
	{
		report(on_error, arg, host, port, "listen", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

mq_err
mq_listen_open(const char *list, int port, int backlog, mq_listen_set *set,
			   mq_listen_error_cb on_error, void *arg)
{
	char		hosts[MQ_LISTEN_MAX][MQ_LISTEN_HOST_MAX];
	char		service[16];
	int			nhosts;
	int			h;
	int			attempted = 0;
	mq_err		err;

	set->count = 0;
	err = mq_listen_parse(list, hosts, MQ_LISTEN_MAX, &nhosts);
	if (err != MQ_OK)
		return err == MQ_ERR_TOO_LARGE ? MQ_ERR_INVALID : err;
	if (port < 0 || port > 65535)
		return MQ_ERR_INVALID;
	snprintf(service, sizeof(service), "%d", port);

	for (h = 0; h < nhosts; h++)
	{
		struct addrinfo hints;
		struct addrinfo *res = NULL;
		struct addrinfo *ai;
		const char *node = strcmp(hosts[h], "*") == 0 ? NULL : hosts[h];
		int			rc;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE;
		rc = getaddrinfo(node, service, &hints, &res);
		if (rc != 0)
		{
			attempted++;
			report(on_error, arg, hosts[h], port, "resolve", gai_strerror(rc));
			continue;
		}
		for (ai = res; ai != NULL; ai = ai->ai_next)
		{
			char		addr[MQ_LISTEN_ADDR_MAX];
			int			actual_port;
			int			fd;
			struct sockaddr_storage bound;
			socklen_t	blen = sizeof(bound);

			if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
				continue;
			format_addr(ai->ai_addr, addr, sizeof(addr), &actual_port);
			if (already_bound(set, addr, port))
				continue;
			attempted++;
			if (set->count == MQ_LISTEN_MAX)
			{
				report(on_error, arg, hosts[h], port, "socket",
					   "too many listening sockets");
				break;
			}
			fd = open_one(ai, hosts[h], port, backlog, on_error, arg);
			if (fd < 0)
				continue;
			if (getsockname(fd, (struct sockaddr *) &bound, &blen) == 0)
				format_addr((struct sockaddr *) &bound, addr, sizeof(addr),
							&actual_port);
			set->items[set->count].fd = fd;
			set->items[set->count].port = actual_port;
			memcpy(set->items[set->count].addr, addr, sizeof(addr));
			set->count++;
		}
		freeaddrinfo(res);
	}
	if (attempted > 0 && set->count == 0)
		return MQ_ERR_IO;
	return MQ_OK;
}

void
mq_listen_close(mq_listen_set *set)
{
	int			i;

	for (i = 0; i < set->count; i++)
		close(set->items[i].fd);
	set->count = 0;
}

int
mq_listen_accept(int listen_fd, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t	len = sizeof(ss);
	int			fd;
	int			one = 1;

	fd = accept4(listen_fd, (struct sockaddr *) &ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Small MQTT packets must not wait for Nagle's algorithm. */
	(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (peer != NULL && peerlen > 0)
	{
		char		addr[MQ_LISTEN_ADDR_MAX];
		int			port = 0;

		if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		{
			format_addr((struct sockaddr *) &ss, addr, sizeof(addr), &port);
			snprintf(peer, peerlen, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d",
					 addr, port);
		}
		else
			snprintf(peer, peerlen, "local");
	}
	return fd;
}
