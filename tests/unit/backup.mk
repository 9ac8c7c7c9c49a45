# tests/unit/backup.mk: unit tests for the backup file format
# (snapshot/backup.h): round trip, every kind of damage refused with a
# message naming it, member table replacement.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_backup
TESTS += tests/unit/test_backup

tests_unit_test_backup_SOURCES = tests/unit/test_backup.c \
	tests/unit/test_fsm_util.h
tests_unit_test_backup_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_backup_LDADD = snapshot/libbackup.la snapshot/libsnap.la \
	fsm/libfsm.la common/libcommon.la $(LZ4_LIBS) $(CMOCKA_LIBS)
endif
