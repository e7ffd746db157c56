#include "crc16.h"

/*
 * Bitwise, without a table: the UO-4 handles a few short frames a second,
 * and 512 bytes of table would cost more flash than the cycles are worth.
 */
uint16_t crc16_update(uint16_t crc, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= buf[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
	}
	return crc;
}

uint16_t crc16(const uint8_t *buf, size_t n)
{
	return crc16_update(CRC16_INIT, buf, n);
}
