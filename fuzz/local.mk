# fuzz/: libFuzzer targets, built only by `configure CC=clang --enable-fuzz`.
# Run every target with: fuzz/run-fuzz.sh BUILD_DIR SECONDS
#
# Each target compiles the sources it exercises itself, with FUZZ_CFLAGS, so
# that the code under test carries the coverage and sanitizer instrumentation
# (libcommon.la is built without it). A new target: add it to noinst_PROGRAMS
# inside the conditional and give it _SOURCES, _CFLAGS and _LDFLAGS like these;
# run-fuzz.sh finds it by its fuzz/fuzz_ name.
FUZZ_CFLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -g
dist_noinst_SCRIPTS += fuzz/run-fuzz.sh
EXTRA_DIST += fuzz/corpus fuzz/fuzz.h

if ENABLE_FUZZ
noinst_PROGRAMS += fuzz/fuzz_resp_request fuzz/fuzz_resp_reply

FUZZ_RESP_SOURCES = common/buf.c common/resp_request.c common/resp_write.c

fuzz_fuzz_resp_request_SOURCES = fuzz/fuzz_resp_request.c $(FUZZ_RESP_SOURCES)
fuzz_fuzz_resp_request_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
fuzz_fuzz_resp_request_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)

fuzz_fuzz_resp_reply_SOURCES = fuzz/fuzz_resp_reply.c $(FUZZ_RESP_SOURCES) \
	common/resp_reply.c
fuzz_fuzz_resp_reply_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
fuzz_fuzz_resp_reply_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
endif

# fsm/ and snapshot/ targets, same conventions. Seeds: a few valid batches
# and snapshots in fuzz/corpus/fuzz_fsm_apply and fuzz/corpus/fuzz_snap_decode.
if ENABLE_FUZZ
noinst_PROGRAMS += fuzz/fuzz_fsm_apply fuzz/fuzz_snap_decode

FUZZ_FSM_SOURCES = fsm/fsm.c fsm/apply_kv.c fsm/apply_session.c \
	fsm/apply_member.c \
	fsm/codec.c fsm/lock.c fsm/map.c fsm/member.c fsm/session.c fsm/state.c \
	snapshot/snap.c snapshot/crc32c.c common/buf.c common/log.c

fuzz_fuzz_fsm_apply_SOURCES = fuzz/fuzz_fsm_apply.c $(FUZZ_FSM_SOURCES)
fuzz_fuzz_fsm_apply_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
fuzz_fuzz_fsm_apply_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)

fuzz_fuzz_snap_decode_SOURCES = fuzz/fuzz_snap_decode.c $(FUZZ_FSM_SOURCES)
fuzz_fuzz_snap_decode_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
fuzz_fuzz_snap_decode_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
endif

# The backup file decoder (snapshot/backup.h), over the same fsm sources.
# Seeds: small valid backups in fuzz/corpus/fuzz_backup_decode.
if ENABLE_FUZZ
noinst_PROGRAMS += fuzz/fuzz_backup_decode

fuzz_fuzz_backup_decode_SOURCES = fuzz/fuzz_backup_decode.c \
	snapshot/backup.c $(FUZZ_FSM_SOURCES)
fuzz_fuzz_backup_decode_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
fuzz_fuzz_backup_decode_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_CFLAGS)
fuzz_fuzz_backup_decode_LDADD = $(LZ4_LIBS)
endif
