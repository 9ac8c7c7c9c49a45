# snapshot/: raftd's snapshot format over the fsm (see snapshot/snap.h).
noinst_LTLIBRARIES += snapshot/libsnap.la
snapshot_libsnap_la_SOURCES = \
	snapshot/snap.c snapshot/snap.h \
	snapshot/crc32c.c snapshot/crc32c.h
snapshot_libsnap_la_CFLAGS = $(AM_CFLAGS)

# The backup file format (snapshot/backup.h): a snapshot in an LZ4 frame,
# checksummed. Its own library so that only what backs up or restores
# (the daemon, the client library) links liblz4's frame API through it.
noinst_LTLIBRARIES += snapshot/libbackup.la
snapshot_libbackup_la_SOURCES = snapshot/backup.c snapshot/backup.h
snapshot_libbackup_la_CFLAGS = $(AM_CFLAGS)
snapshot_libbackup_la_LIBADD = $(LZ4_LIBS)
