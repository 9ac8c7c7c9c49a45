# raftd/: the daemon.
bin_PROGRAMS += raftd/raftd
raftd_raftd_SOURCES = \
	raftd/main.c \
	raftd/config.c raftd/config.h \
	raftd/node.c raftd/raftd.h \
	raftd/fsm_glue.c raftd/fsm_glue.h \
	raftd/snapfork.c raftd/snapfork.h \
	raftd/snappolicy.c \
	raftd/sendcap.c \
	raftd/cmd_config.c \
	raftd/write.c \
	raftd/read.c \
	raftd/server.c \
	raftd/conn.c raftd/conn.h \
	raftd/cmd.c raftd/cmd.h \
	raftd/cmd_write.c \
	raftd/cmd_read.c \
	raftd/cmd_member.c \
	raftd/status.c \
	raftd/member.c \
	raftd/transport.c
raftd_raftd_LDADD = snapshot/libsnap.la fsm/libfsm.la common/libcommon.la \
	$(RAFT_LINK) $(UV_LIBS) $(LZ4_LIBS)

# The local cluster launcher is installed beside the daemon.
dist_bin_SCRIPTS = scripts/raftd-cluster

# Backup and restore (docs/backup.md): RD.BACKUP and raftd --restore.
raftd_raftd_SOURCES += raftd/cmd_backup.c raftd/restore.c raftd/restore.h
raftd_raftd_LDADD += snapshot/libbackup.la snapshot/libsnap.la \
	fsm/libfsm.la common/libcommon.la $(LZ4_LIBS)
