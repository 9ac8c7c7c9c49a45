# client/: libraftd (the C client library) and raftctl (the CLI on top).
#
# The library's code is built once as a convenience library, so the unit
# tests can reach its internal functions (rdc__*) whether or not libraftd is
# built shared; the installed libraftd.la wraps it with libcommon's objects.
noinst_LTLIBRARIES += client/librdcore.la
client_librdcore_la_SOURCES = \
	client/list.h \
	client/endpoint.c client/endpoint.h \
	client/backoff.c client/backoff.h \
	client/command.c client/command.h \
	client/conn.c client/conn.h \
	client/async.c client/async.h client/request.h \
	client/submit.c \
	client/session.c client/session.h \
	client/sync.c client/sync.h \
	client/member.c client/member_cmd.c client/member_cmd.h \
	client/strerror.c \
	include/raftd/client.h
client_librdcore_la_CFLAGS = $(AM_CFLAGS) -fPIC

lib_LTLIBRARIES += client/libraftd.la
client_libraftd_la_SOURCES =
client_libraftd_la_LIBADD = client/librdcore.la common/libcommon.la $(UV_LIBS)
client_libraftd_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 \
	-export-symbols-regex '^rdc_'

raftdincludedir = $(includedir)/raftd
raftdinclude_HEADERS = include/raftd/client.h

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = client/libraftd.pc
EXTRA_DIST += client/libraftd.pc.in

bin_PROGRAMS += client/raftctl
client_raftctl_SOURCES = client/raftctl.c client/raftctl.h \
	client/raftctl_kv.c client/raftctl_session.c client/raftctl_out.c \
	client/raftctl_member.c
client_raftctl_CFLAGS = $(AM_CFLAGS)
client_raftctl_LDADD = client/libraftd.la $(UV_LIBS)

# Backup (client/backup.c: rdc_snapshot_save, rdc_snapshot_inspect) with
# the backup format and the snapshot decoder it checks files with.
noinst_LTLIBRARIES += client/librdbackup.la
client_librdbackup_la_SOURCES = client/backup.c
client_librdbackup_la_CFLAGS = $(AM_CFLAGS) -fPIC
client_libraftd_la_LIBADD += client/librdbackup.la snapshot/libbackup.la \
	snapshot/libsnap.la fsm/libfsm.la $(LZ4_LIBS)
client_raftctl_SOURCES += client/raftctl_snapshot.c client/raftctl_snapshot.h
