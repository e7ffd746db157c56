/* Unit tests of firmware/uo4/modbus.c (+ crc16.c): framing, CRC, every
 * function and every exception, against a fake register map. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/uo4/crc16.h"
#include "../../firmware/uo4/modbus.h"

/* ---- a fake map: 10 coils, 21 inputs, 3 holdings ------------------- */

static bool coils[10];
static uint16_t holding[3];
static int commits;
static uint8_t commit_result;

static bool coil_get(void *ctx, uint16_t a)
{
	(void)ctx;
	return coils[a];
}
static void coil_set(void *ctx, uint16_t a, bool on)
{
	(void)ctx;
	coils[a] = on;
}
static uint16_t input_get(void *ctx, uint16_t a)
{
	(void)ctx;
	return (uint16_t)(0x100 + a);
}
static uint16_t holding_get(void *ctx, uint16_t a)
{
	(void)ctx;
	return holding[a];
}
static void holding_set(void *ctx, uint16_t a, uint16_t v)
{
	(void)ctx;
	holding[a] = v;
}
static uint8_t commit(void *ctx)
{
	(void)ctx;
	commits++;
	return commit_result;
}

/* Values above 1000 are refused. */
static uint8_t holding_check(void *ctx, uint16_t a, uint16_t v)
{
	(void)ctx;
	(void)a;
	return v > 1000 ? MB_EX_ILLEGAL_VALUE : MB_EX_NONE;
}

static const struct mb_map map = {
	NULL,	       10,	    21,	    3, coil_get, coil_set, input_get, holding_get,
	holding_check, holding_set, commit,
};

static uint8_t out[MB_FRAME_MAX];

static void setup(void)
{
	memset(coils, 0, sizeof coils);
	memset(holding, 0, sizeof holding);
	commits = 0;
	commit_result = MB_EX_NONE;
}

/* Build a frame from bytes (ints 0..255, ending with -1), append its CRC,
 * hand it to the slave at address 7; returns the reply length. */
static size_t ask(int first, ...)
{
	uint8_t req[MB_FRAME_MAX];
	size_t n = 0;
	uint16_t crc;
	va_list ap;

	va_start(ap, first);
	for (int b = first; b >= 0; b = va_arg(ap, int))
		req[n++] = (uint8_t)b;
	va_end(ap);
	crc = crc16(req, n);
	req[n++] = (uint8_t)crc;
	req[n++] = (uint8_t)(crc >> 8);
	return mb_slave_handle(&map, 7, req, n, out);
}

/* The reply is well formed: from address 7, CRC right. */
static void check_reply(size_t n)
{
	ck_assert_uint_ge(n, 5);
	ck_assert_uint_eq(out[0], 7);
	ck_assert_uint_eq(crc16(out, n - 2), (uint16_t)(out[n - 2] | out[n - 1] << 8));
}

static void check_exception(size_t n, uint8_t fc, uint8_t code)
{
	check_reply(n);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(out[1], fc | 0x80);
	ck_assert_uint_eq(out[2], code);
}

START_TEST(crc_known_vector)
{
	const uint8_t f[] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A };

	/* The classic example: the frame goes out as 01 03 00 00 00 0A C5 CD. */
	ck_assert_uint_eq(crc16(f, sizeof f), 0xCDC5);
	ck_assert_uint_eq(crc16(NULL, 0), 0xFFFF);
}
END_TEST

START_TEST(timing_constants)
{
	struct mb_rtu r;

	mb_rtu_init(&r, 9600);
	ck_assert_uint_eq(r.t15_us, 1719); /* 16.5 bits at 9600 */
	ck_assert_uint_eq(r.t35_us, 4011); /* 38.5 bits */
	mb_rtu_init(&r, 38400);
	ck_assert_uint_eq(r.t15_us, 750);
	ck_assert_uint_eq(r.t35_us, 1750);
}
END_TEST

static void feed(struct mb_rtu *r, const uint8_t *b, size_t n, uint32_t t0, uint32_t step)
{
	for (size_t i = 0; i < n; i++)
		mb_rtu_rx(r, b[i], t0 + (uint32_t)i * step);
}

START_TEST(frame_ends_after_3_5_characters)
{
	const uint8_t f[] = { 7, 4, 0, 0, 0, 1, 0x30, 0x6C };
	const uint8_t *got;
	struct mb_rtu r;

	mb_rtu_init(&r, 9600);
	feed(&r, f, sizeof f, 1000, 1146); /* back to back at 9600 */
	ck_assert_uint_eq(mb_rtu_frame(&r, 1000 + 7 * 1146 + 4010, &got), 0);
	ck_assert_uint_eq(mb_rtu_frame(&r, 1000 + 7 * 1146 + 4011, &got), sizeof f);
	ck_assert_mem_eq(got, f, sizeof f);
	ck_assert_uint_eq(mb_rtu_frame(&r, 1000 + 7 * 1146 + 9000, &got), 0); /* taken */
}
END_TEST

START_TEST(gap_over_1_5_characters_drops_frame)
{
	const uint8_t f[] = { 7, 4, 0, 0, 0, 1, 0x30, 0x6C };
	const uint8_t *got;
	struct mb_rtu r;

	mb_rtu_init(&r, 9600);
	feed(&r, f, 4, 0, 1000);
	feed(&r, f + 4, 4, 3000 + 1720, 1000); /* 1720 us of silence inside */
	ck_assert_uint_eq(mb_rtu_frame(&r, 20000, &got), 0);
	/* The next frame is received normally. */
	feed(&r, f, sizeof f, 30000, 0);
	ck_assert_uint_eq(mb_rtu_frame(&r, 40000, &got), sizeof f);
}
END_TEST

START_TEST(silence_splits_frames)
{
	const uint8_t a[] = { 1, 2, 3, 4 }, b[] = { 5, 6, 7, 8, 9 };
	const uint8_t *got;
	struct mb_rtu r;

	mb_rtu_init(&r, 9600);
	feed(&r, a, sizeof a, 0, 0);
	/* The caller looks for a finished frame before each new byte. */
	ck_assert_uint_eq(mb_rtu_frame(&r, 5000, &got), sizeof a);
	feed(&r, b, sizeof b, 5000, 0);
	ck_assert_uint_eq(mb_rtu_frame(&r, 10000, &got), sizeof b);
	ck_assert_mem_eq(got, b, sizeof b);
	/* Missing the end of a frame does not merge it with the next. */
	feed(&r, a, sizeof a, 20000, 0);
	feed(&r, b, sizeof b, 30000, 0);
	ck_assert_uint_eq(mb_rtu_frame(&r, 40000, &got), sizeof b);
}
END_TEST

START_TEST(overlong_frame_dropped)
{
	const uint8_t *got;
	struct mb_rtu r;

	mb_rtu_init(&r, 9600);
	for (int i = 0; i < MB_FRAME_MAX + 5; i++)
		mb_rtu_rx(&r, 0x55, 0);
	ck_assert_uint_eq(mb_rtu_frame(&r, 10000, &got), 0);
}
END_TEST

START_TEST(read_coils)
{
	size_t n;

	coils[1] = coils[3] = coils[9] = true;
	n = ask(7, 0x01, 0, 0, 0, 10, -1);
	check_reply(n);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(out[2], 2);
	ck_assert_uint_eq(out[3], 0x0A);
	ck_assert_uint_eq(out[4], 0x02);
	n = ask(7, 0x01, 0, 3, 0, 1, -1);
	ck_assert_uint_eq(out[3], 0x01);
}
END_TEST

START_TEST(read_input_and_holding_registers)
{
	size_t n = ask(7, 0x04, 0, 16, 0, 5, -1);

	check_reply(n);
	ck_assert_uint_eq(out[2], 10);
	ck_assert_uint_eq(out[3] << 8 | out[4], 0x110);
	ck_assert_uint_eq(out[11] << 8 | out[12], 0x114);
	holding[2] = 0xBEEF;
	n = ask(7, 0x03, 0, 2, 0, 1, -1);
	check_reply(n);
	ck_assert_uint_eq(out[3] << 8 | out[4], 0xBEEF);
}
END_TEST

START_TEST(write_single_coil)
{
	size_t n = ask(7, 0x05, 0, 4, 0xFF, 0x00, -1);

	check_reply(n);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(out[1], 0x05);
	ck_assert_uint_eq(out[3], 4);
	ck_assert(coils[4]);
	ck_assert_int_eq(commits, 1);
	ask(7, 0x05, 0, 4, 0x00, 0x00, -1);
	ck_assert(!coils[4]);
}
END_TEST

START_TEST(write_single_register)
{
	size_t n = ask(7, 0x06, 0, 1, 0x01, 0xF4, -1);

	check_reply(n);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(holding[1], 500);
	ck_assert_int_eq(commits, 1);
}
END_TEST

START_TEST(write_multiple_coils)
{
	size_t n = ask(7, 0x0F, 0, 1, 0, 9, 2, 0xFF, 0x01, -1);

	check_reply(n);
	ck_assert_uint_eq(n, 8);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(coils[i], i >= 1);
	n = ask(7, 0x0F, 0, 0, 0, 3, 1, 0x05, -1);
	ck_assert(coils[0] && !coils[1] && coils[2]);
	ck_assert_int_eq(commits, 2);
}
END_TEST

START_TEST(write_multiple_registers)
{
	size_t n = ask(7, 0x10, 0, 0, 0, 3, 6, 0, 1, 0, 2, 0, 3, -1);

	check_reply(n);
	ck_assert_uint_eq(out[5], 3);
	ck_assert_uint_eq(holding[0], 1);
	ck_assert_uint_eq(holding[2], 3);
}
END_TEST

START_TEST(unknown_functions_exception_01)
{
	int fcs[] = { 0x02, 0x07, 0x08, 0x11, 0x16, 0x17, 0x2B, 0x41 };

	for (size_t i = 0; i < sizeof fcs / sizeof fcs[0]; i++)
		check_exception(ask(7, fcs[i], 0, 0, 0, 1, -1), (uint8_t)fcs[i], 1);
}
END_TEST

START_TEST(bad_addresses_exception_02)
{
	check_exception(ask(7, 0x01, 0, 9, 0, 2, -1), 0x01, 2);
	check_exception(ask(7, 0x04, 0, 21, 0, 1, -1), 0x04, 2);
	check_exception(ask(7, 0x04, 0, 0, 0, 22, -1), 0x04, 2);
	check_exception(ask(7, 0x04, 0xFF, 0xFF, 0, 2, -1), 0x04, 2);
	check_exception(ask(7, 0x03, 0, 3, 0, 1, -1), 0x03, 2);
	check_exception(ask(7, 0x05, 0, 10, 0xFF, 0, -1), 0x05, 2);
	check_exception(ask(7, 0x06, 0, 3, 0, 1, -1), 0x06, 2);
	check_exception(ask(7, 0x0F, 0, 8, 0, 3, 1, 7, -1), 0x0F, 2);
	check_exception(ask(7, 0x10, 0, 2, 0, 2, 4, 0, 1, 0, 1, -1), 0x10, 2);
	ck_assert_int_eq(commits, 0);
}
END_TEST

START_TEST(bad_values_exception_03)
{
	check_exception(ask(7, 0x01, 0, 0, 0, 0, -1), 0x01, 3);	      /* qty 0 */
	check_exception(ask(7, 0x01, 0, 0, 0x07, 0xD1, -1), 0x01, 3); /* 2001 */
	check_exception(ask(7, 0x04, 0, 0, 0, 126, -1), 0x04, 3);     /* 126 */
	check_exception(ask(7, 0x03, 0, 0, 0, 0, -1), 0x03, 3);
	check_exception(ask(7, 0x04, 0, 0, 0, -1), 0x04, 3);		    /* short */
	check_exception(ask(7, 0x05, 0, 1, 0x12, 0x34, -1), 0x05, 3);	    /* not FF00/0000 */
	check_exception(ask(7, 0x06, 0, 1, 0x03, 0xE9, -1), 0x06, 3);	    /* 1001 refused */
	check_exception(ask(7, 0x0F, 0, 0, 0, 9, 1, 0xFF, -1), 0x0F, 3);    /* byte count */
	check_exception(ask(7, 0x0F, 0, 0, 0, 0, 0, -1), 0x0F, 3);	    /* qty 0 */
	check_exception(ask(7, 0x10, 0, 0, 0, 2, 3, 0, 1, 0, -1), 0x10, 3); /* byte count */
	check_exception(ask(7, 0x10, 0, 0, 0, 1, 2, 0, -1), 0x10, 3);	    /* data short */
	ck_assert_int_eq(commits, 0);
	ck_assert(!coils[1]);
}
END_TEST

START_TEST(one_bad_value_changes_nothing)
{
	/* 0x10 of three registers, the third one refused: none is set. */
	check_exception(ask(7, 0x10, 0, 0, 0, 3, 6, 0, 5, 0, 6, 0x03, 0xE9, -1), 0x10, 3);
	ck_assert_uint_eq(holding[0], 0);
	ck_assert_uint_eq(holding[1], 0);
	ck_assert_int_eq(commits, 0);
}
END_TEST

START_TEST(failed_store_exception_04)
{
	commit_result = MB_EX_DEVICE_FAILURE;
	check_exception(ask(7, 0x06, 0, 1, 0, 5, -1), 0x06, 4);
	check_exception(ask(7, 0x05, 0, 1, 0xFF, 0, -1), 0x05, 4);
}
END_TEST

START_TEST(silence_for_others_and_bad_frames)
{
	uint8_t req[] = { 7, 0x04, 0, 0, 0, 1, 0, 0 };
	uint16_t crc = crc16(req, 6);

	ck_assert_uint_eq(ask(8, 0x04, 0, 0, 0, 1, -1), 0); /* another slave */
	ck_assert_uint_eq(ask(8, 0x2B, 0, 0, 0, 1, -1), 0); /* not even an exception */
	ck_assert_uint_eq(ask(7, -1), 0);		    /* too short */
	req[6] = (uint8_t)crc;
	req[7] = (uint8_t)((crc >> 8) ^ 1); /* bad CRC */
	ck_assert_uint_eq(mb_slave_handle(&map, 7, req, sizeof req, out), 0);
	req[7] ^= 1;
	ck_assert_uint_gt(mb_slave_handle(&map, 7, req, sizeof req, out), 0);
	ck_assert_uint_eq(mb_slave_handle(&map, 7, req, 3, out), 0);
}
END_TEST

START_TEST(broadcast_writes_silently)
{
	ck_assert_uint_eq(ask(0, 0x05, 0, 6, 0xFF, 0, -1), 0);
	ck_assert(coils[6]);
	ck_assert_uint_eq(ask(0, 0x06, 0, 1, 0, 9, -1), 0);
	ck_assert_uint_eq(holding[1], 9);
	ck_assert_uint_eq(ask(0, 0x0F, 0, 0, 0, 2, 1, 3, -1), 0);
	ck_assert(coils[0] && coils[1]);
	ck_assert_uint_eq(ask(0, 0x10, 0, 2, 0, 1, 2, 0, 4, -1), 0);
	ck_assert_uint_eq(holding[2], 4);
	/* Reads and errors in a broadcast: no reply either way. */
	ck_assert_uint_eq(ask(0, 0x04, 0, 0, 0, 1, -1), 0);
	ck_assert_uint_eq(ask(0, 0x06, 0, 1, 0x03, 0xE9, -1), 0);
	ck_assert_uint_eq(holding[1], 9);
	ck_assert_uint_eq(ask(0, 0x2B, 0, 0, 0, 1, -1), 0);
}
END_TEST

START_TEST(largest_reads_fit)
{
	struct mb_map big = map;
	uint8_t req[8] = { 7, 4, 0, 0, 0, 125 };
	uint16_t crc = crc16(req, 6);
	size_t n;

	req[6] = (uint8_t)crc;
	req[7] = (uint8_t)(crc >> 8);
	big.inputs = 125;
	n = mb_slave_handle(&big, 7, req, sizeof req, out);
	ck_assert_uint_eq(n, 255);
	ck_assert_uint_eq(out[2], 250);
}
END_TEST

static Suite *modbus_suite(void)
{
	Suite *s = suite_create("uo4_modbus");
	TCase *tf = tcase_create("framing");
	TCase *tp = tcase_create("pdu");

	tcase_add_test(tf, crc_known_vector);
	tcase_add_test(tf, timing_constants);
	tcase_add_test(tf, frame_ends_after_3_5_characters);
	tcase_add_test(tf, gap_over_1_5_characters_drops_frame);
	tcase_add_test(tf, silence_splits_frames);
	tcase_add_test(tf, overlong_frame_dropped);
	tcase_add_checked_fixture(tp, setup, NULL);
	tcase_add_test(tp, read_coils);
	tcase_add_test(tp, read_input_and_holding_registers);
	tcase_add_test(tp, write_single_coil);
	tcase_add_test(tp, write_single_register);
	tcase_add_test(tp, write_multiple_coils);
	tcase_add_test(tp, write_multiple_registers);
	tcase_add_test(tp, unknown_functions_exception_01);
	tcase_add_test(tp, bad_addresses_exception_02);
	tcase_add_test(tp, bad_values_exception_03);
	tcase_add_test(tp, one_bad_value_changes_nothing);
	tcase_add_test(tp, failed_store_exception_04);
	tcase_add_test(tp, silence_for_others_and_bad_frames);
	tcase_add_test(tp, broadcast_writes_silently);
	tcase_add_test(tp, largest_reads_fit);
	suite_add_tcase(s, tf);
	suite_add_tcase(s, tp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(modbus_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
