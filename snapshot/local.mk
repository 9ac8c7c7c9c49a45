# snapshot/: raftd's snapshot format over the fsm (see snapshot/snap.h).
noinst_LTLIBRARIES += snapshot/libsnap.la
snapshot_libsnap_la_SOURCES = \
	snapshot/snap.c snapshot/snap.h \
	snapshot/crc32c.c snapshot/crc32c.h
snapshot_libsnap_la_CFLAGS = $(AM_CFLAGS)
