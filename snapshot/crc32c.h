/* crc32c.h - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum iSCSI, ext4 and SSE4.2's crc32 instruction use.
 *
 * crc32c(0, p, n) is the checksum of p[0..n); to checksum data arriving in
 * pieces, pass the previous result as crc: crc32c(crc32c(0, a, n), b, m) is
 * the checksum of a followed by b. Safe to call from any thread.
 */
#ifndef RD_SNAPSHOT_CRC32C_H
#define RD_SNAPSHOT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *p, size_t n);

/* The portable table-driven version, whatever the processor (crc32c uses
 * the SSE4.2 instruction where there is one); for the tests. */
uint32_t crc32c_soft(uint32_t crc, const void *p, size_t n);

#endif
