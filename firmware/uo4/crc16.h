/*
 * crc16.h - the Modbus CRC-16 (polynomial 0xA001 reflected, start 0xFFFF).
 *
 * Used for RTU frames and for the records of the NV journal.
 */
#ifndef UO4_CRC16_H
#define UO4_CRC16_H

#include <stddef.h>
#include <stdint.h>

#define CRC16_INIT 0xFFFFu

/* Continue crc over n bytes of buf; start with CRC16_INIT. On the wire the
 * result goes low byte first. */
uint16_t crc16_update(uint16_t crc, const uint8_t *buf, size_t n);

/* The CRC of n bytes of buf. */
uint16_t crc16(const uint8_t *buf, size_t n);

#endif
