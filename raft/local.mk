# raft/: the raft that raftd runs - Debian's libraft 0.15.0 static archive,
# with raftd's consensus fixes linked in place of the library functions
# they replace (docs/consensus.md explains each fix and how it is linked).
#
# Programs put $(RAFT_LINK) in their LDADD to get the patched raft (it
# brings libuv and liblz4 along); the tests in tests/raft/ also link
# $(RAFT_LINK_UNPATCHED), the archive exactly as Debian ships it, to show
# that each fix is needed.  Both are built from @RAFT_ARCHIVE@ (configure
# --with-raft-archive=FILE); nothing binary is kept in the source tree.

noinst_LTLIBRARIES += raft/librfix.la
raft_librfix_la_SOURCES = \
	raft/raft015.h \
	raft/fixes.h \
	raft/fix_commit_majority.c \
	raft/fix_commit_current_term.c \
	raft/fix_apply_length.c \
	raft/fix_candidate_durable.c \
	raft/fix_leader_disk_error.c \
	raft/fix_change_after_commit.c \
	raft/fix_vote_silent_leader.c \
	raft/fix_crc32_speed.c \
	raft/fix_segment_zero.c \
	raft/fix_aio_destroy.c \
	raft/fix_recv_coalesce.c
raft_librfix_la_CFLAGS = $(AM_CFLAGS)

# The fixes as one relocatable object.  An archive member is linked only
# while some symbol is still undefined, and nothing is once the weakened
# replicationQuorum of the patched archive is in; an object is always
# linked, so every fix takes effect.
raft/rfix.o: raft/librfix.la
	$(AM_V_GEN)$(MKDIR_P) raft && $(LD) -r -o $@ --whole-archive raft/.libs/librfix.a

# The archive with the replaced definitions weakened or renamed; the
# script refuses anything but raft 0.15.0 and checks every call site.
raft/libraft-patched.a: $(RAFT_ARCHIVE) $(srcdir)/raft/patch-archive.sh \
		$(srcdir)/raft/raft-0.15.0.symbols
	$(AM_V_GEN)$(MKDIR_P) raft && \
	$(SHELL) $(srcdir)/raft/patch-archive.sh $(RAFT_ARCHIVE) \
		$@ $(srcdir)/raft/raft-0.15.0.symbols

RAFT_LINK = raft/rfix.o raft/libraft-patched.a $(UV_LIBS) $(LZ4_LIBS)
RAFT_LINK_UNPATCHED = $(RAFT_ARCHIVE) $(UV_LIBS) $(LZ4_LIBS)

CLEANFILES += raft/rfix.o raft/libraft-patched.a
EXTRA_DIST += raft/patch-archive.sh raft/raft-0.15.0.symbols
