/* endpoint.c - "host:port" parsing for the client.
 *
 * Validation is strict so that a typo in --endpoints is reported at once,
 * naming the offending entry, instead of surfacing later as "no leader".
 */
#include "client/endpoint.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, size_t len, unsigned short *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

static int parse_host(const char *s, size_t len, struct in_addr *ip)
{
	char host[INET_ADDRSTRLEN];

	if (len == 9 && strncmp(s, "localhost", 9) == 0) {
		ip->s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if (len == 0 || len >= sizeof(host))
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	return inet_pton(AF_INET, host, ip) == 1 ? 0 : -1;
}

int rdc__addr_parse(const char *s, size_t len, struct rdc__addr *out,
		    char *err, size_t errlen)
{
	const char *colon = len ? memrchr(s, ':', len) : NULL;
	unsigned short port;

	memset(out, 0, sizeof(*out));
	if (len >= sizeof(out->text) || colon == NULL) {
		snprintf(err, errlen, "bad endpoint '%.*s': expected host:port",
			 (int)(len > 80 ? 80 : len), s);
		return -1;
	}
	if (parse_host(s, (size_t)(colon - s), &out->sa.sin_addr) != 0) {
		snprintf(err, errlen,
			 "bad endpoint '%.*s': host must be an IPv4 address or localhost",
			 (int)len, s);
		return -1;
	}
	if (parse_port(colon + 1, len - (size_t)(colon - s) - 1, &port) != 0) {
		snprintf(err, errlen,
			 "bad endpoint '%.*s': port must be 1-65535", (int)len, s);
		return -1;
	}
	out->sa.sin_family = AF_INET;
	out->sa.sin_port = htons(port);
	memcpy(out->text, s, len);
	out->text[len] = '\0';
	return 0;
}

static size_t count_entries(const char *list)
{
	size_t n = 1;

	for (const char *p = list; *p; p++)
		n += *p == ',';
	return n;
}

int rdc__addr_list_parse(const char *list, struct rdc__addr **out, size_t *n,
			 char *err, size_t errlen)
{
	struct rdc__addr *addrs;
	size_t count = 0;
	const char *p = list;

	*out = NULL;
	*n = 0;
	if (list == NULL || *list == '\0') {
		snprintf(err, errlen, "no endpoints given: expected host:port[,host:port...]");
		return -1;
	}
	addrs = calloc(count_entries(list), sizeof(*addrs));
	if (addrs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -2;
	}
	for (;;) {
		size_t len = strcspn(p, ",");

		if (rdc__addr_parse(p, len, &addrs[count], err, errlen) != 0) {
			free(addrs);
			return -1;
		}
		count++;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	*out = addrs;
	*n = count;
	return 0;
}

bool rdc__addr_equal(const struct rdc__addr *a, const struct rdc__addr *b)
{
	return a->sa.sin_addr.s_addr == b->sa.sin_addr.s_addr &&
	       a->sa.sin_port == b->sa.sin_port;
}
