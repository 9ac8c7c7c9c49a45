/* strerror.c - names for the client's status codes.
 *
 * The words are the ones raftctl prints, so they say what the caller should
 * conclude, not what went wrong inside.
 */
#include "raftd/client.h"

const char *rdc_strerror(int status)
{
	switch (status) {
	case RDC_OK:
		return "ok";
	case RDC_NOTFOUND:
		return "key not found";
	case RDC_CONDITION:
		return "condition not met";
	case RDC_UNCERTAIN:
		return "outcome unknown: the write may or may not have been applied";
	case RDC_UNAVAILABLE:
		return "no node available";
	case RDC_TIMEOUT:
		return "timed out";
	case RDC_BADREQUEST:
		return "request rejected by the server";
	case RDC_PROTOCOL:
		return "protocol error";
	case RDC_NOMEM:
		return "out of memory";
	case RDC_CANCELED:
		return "canceled";
	case RDC_INVALID:
		return "invalid argument";
	case RDC_SESSION_EXPIRED:
		return "session expired: nothing was applied, and its locks are released";
	case RDC_FENCED:
		return "fenced: another holder has taken the lock since this token was issued; nothing was changed";
	}
	return "unknown status";
}
