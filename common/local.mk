# common/: code both the daemon and the client library use.
noinst_LTLIBRARIES += common/libcommon.la
common_libcommon_la_SOURCES = \
	common/buf.c common/buf.h \
	common/log.c common/log.h \
	common/resp_request.c \
	common/resp_write.c \
	common/resp_reply.c common/resp.h
common_libcommon_la_CFLAGS = $(AM_CFLAGS) -fPIC
