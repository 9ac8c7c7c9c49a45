/* endpoint.h - parsing "host:port" endpoint addresses.
 *
 * raftd nodes are addressed by IPv4 literal or "localhost" (which is
 * 127.0.0.1; no name resolution happens, so connecting never blocks). The
 * original spelling is kept for error messages.
 */
#ifndef RDC_ENDPOINT_H
#define RDC_ENDPOINT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define RDC__ADDR_TEXT 64

struct rdc__addr {
	char text[RDC__ADDR_TEXT]; /* "host:port" as given, NUL-terminated */
	struct sockaddr_in sa;
};

/* Parse s[0..len) as "host:port". Returns 0, or -1 with a message in err. */
int rdc__addr_parse(const char *s, size_t len, struct rdc__addr *out,
		    char *err, size_t errlen);

/* Parse a comma-separated list of at least one address. On success *out is
 * a malloc'd array of *n addresses (the caller frees it). Returns 0, -1 with
 * a message in err when the list is malformed, or -2 when memory runs out. */
int rdc__addr_list_parse(const char *list, struct rdc__addr **out, size_t *n,
			 char *err, size_t errlen);

/* Same IPv4 address and port. */
bool rdc__addr_equal(const struct rdc__addr *a, const struct rdc__addr *b);

#endif
