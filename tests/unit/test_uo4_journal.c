/* Unit tests of firmware/uo4/journal.c: layout, wear levelling, and a power
 * cut at every byte of every kind of write. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/uo4/journal.h"
#include "test_uo4_hal_stub.h"

static struct hal h;

static void setup(void)
{
	stub_init(&h, 4096);
}

static struct journal_counts counts(uint32_t base)
{
	struct journal_counts c = { { base, base + 1, base + 2, base + 3 }, 0 };

	return c;
}

/* Mount as a freshly booted device would. */
static int remount(struct journal *j, struct journal_cfg *cfg, struct journal_counts *c);

/* A part that has been through one boot: default settings stored, no
 * counter record yet. */
static void fresh(struct journal *j, struct journal_cfg *cfg, struct journal_counts *c)
{
	stub_init(&h, 4096);
	remount(j, cfg, c);
	ck_assert_int_eq(journal_cfg_write(j, &h, cfg), JOURNAL_OK);
}

static int remount(struct journal *j, struct journal_cfg *cfg, struct journal_counts *c)
{
	*cfg = (struct journal_cfg){ 126, 0, 20 };
	*c = (struct journal_counts){ { 0, 0, 0, 0 }, 0 };
	return journal_mount(j, &h, cfg, c);
}

START_TEST(blank_part_gives_defaults)
{
	struct journal j;
	struct journal_cfg cfg;
	struct journal_counts c;

	ck_assert_int_eq(remount(&j, &cfg, &c), JOURNAL_EBLANK);
	ck_assert_uint_eq(cfg.addr, 126);
	ck_assert_uint_eq(c.total[0], 0);
	ck_assert_uint_eq(j.rec_slots, (4096 - 32) / 24);
	memset(h.nvm, 0xFF, sizeof h.nvm); /* an erased EEPROM */
	ck_assert_int_eq(remount(&j, &cfg, &c), JOURNAL_EBLANK);
}
END_TEST

START_TEST(round_trip)
{
	struct journal j;
	struct journal_cfg cfg, want = { 42, 0x05, 75 };
	struct journal_counts c, wc = counts(123456789);

	wc.flags = JOURNAL_FLAG_BATTERY;
	remount(&j, &cfg, &c);
	ck_assert_int_eq(journal_cfg_write(&j, &h, &want), JOURNAL_OK);
	ck_assert_int_eq(journal_counts_write(&j, &h, &wc), JOURNAL_OK);
	ck_assert_int_eq(remount(&j, &cfg, &c), JOURNAL_OK);
	ck_assert_uint_eq(cfg.addr, 42);
	ck_assert_uint_eq(cfg.blocks, 0x05);
	ck_assert_uint_eq(cfg.debounce_ms, 75);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(c.total[i], 123456789u + (uint32_t)i);
	ck_assert_uint_eq(c.flags, JOURNAL_FLAG_BATTERY);
}
END_TEST

START_TEST(wear_is_spread_over_every_slot)
{
	struct journal j;
	struct journal_cfg cfg;
	struct journal_counts c;
	uint32_t writes = 0, lo = UINT32_MAX, hi = 0, total;

	fresh(&j, &cfg, &c);
	total = 10u * j.rec_slots + 7u;
	for (uint32_t i = 1; i <= total; i++) {
		c = counts(i);
		ck_assert_int_eq(journal_counts_write(&j, &h, &c), JOURNAL_OK);
	}
	for (uint32_t s = 0; s < j.rec_slots; s++) {
		uint32_t w = h.slot_writes[JOURNAL_REC_OFFSET + s * JOURNAL_REC_SIZE];

		writes += w;
		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
	}
	ck_assert_uint_eq(writes, total);
	ck_assert_uint_eq(lo, 10);
	ck_assert_uint_eq(hi, 11);
	/* After many laps of the ring the newest still wins. */
	ck_assert_int_eq(remount(&j, &cfg, &c), JOURNAL_OK);
	ck_assert_uint_eq(c.total[0], total);
	/* Settings alternate between their two slots (one write was fresh()'s). */
	for (int i = 0; i < 8; i++) {
		cfg.addr = (uint8_t)(i + 2);
		journal_cfg_write(&j, &h, &cfg);
	}
	ck_assert_uint_eq(h.slot_writes[0], 5);
	ck_assert_uint_eq(h.slot_writes[JOURNAL_CFG_SIZE], 4);
	ck_assert_int_eq(remount(&j, &cfg, &c), JOURNAL_OK);
	ck_assert_uint_eq(cfg.addr, 9);
}
END_TEST

/*
 * Write `before` records, then cut the power k bytes into the next one
 * (the byte at the cut garbled or not); boot again. Whatever k, the device
 * must find either the old record or, only when the write completed, the
 * new one; and it must go on working from there.
 */
static void cut_counts_at_every_byte(uint32_t before, bool garble)
{
	for (long k = 0; k <= (long)JOURNAL_REC_SIZE; k++) {
		struct journal j;
		struct journal_cfg cfg;
		struct journal_counts c;
		int rc;

		fresh(&j, &cfg, &c);
		for (uint32_t i = 1; i <= before; i++) {
			c = counts(i * 10);
			journal_counts_write(&j, &h, &c);
		}
		h.cut_after = k;
		h.cut_garble = garble;
		c = counts(999999);
		journal_counts_write(&j, &h, &c); /* the device dies in here */

		h.cut = false;
		h.cut_after = -1;
		rc = remount(&j, &cfg, &c);
		if (k < (long)JOURNAL_REC_SIZE) {
			uint32_t want = before * 10;

			ck_assert_msg(c.total[0] == want && c.total[3] == (before ? want + 3 : 0),
				      "cut after %ld bytes (garble %d, %u before): total %u", k,
				      garble, before, c.total[0]);
			ck_assert_int_eq(rc, before ? JOURNAL_OK
						    : (k == 0 && !garble ? JOURNAL_EBLANK
									 : JOURNAL_ECORRUPT));
		} else {
			ck_assert_uint_eq(c.total[0], 999999);
		}
		/* Life goes on: the next write lands and is found. */
		c = counts(5555);
		ck_assert_int_eq(journal_counts_write(&j, &h, &c), JOURNAL_OK);
		remount(&j, &cfg, &c);
		ck_assert_uint_eq(c.total[0], 5555);
	}
}

START_TEST(cut_counter_write_first_record)
{
	cut_counts_at_every_byte(0, false);
	cut_counts_at_every_byte(0, true);
}
END_TEST

START_TEST(cut_counter_write_mid_ring)
{
	cut_counts_at_every_byte(5, false);
	cut_counts_at_every_byte(5, true);
}
END_TEST

START_TEST(cut_counter_write_at_ring_wrap)
{
	uint32_t slots = (4096 - JOURNAL_REC_OFFSET) / JOURNAL_REC_SIZE;

	/* The cut write goes to slot 0 over the oldest record, and one lap later. */
	cut_counts_at_every_byte(slots, false);
	cut_counts_at_every_byte(slots, true);
	cut_counts_at_every_byte(2 * slots - 1, true);
}
END_TEST

START_TEST(cut_settings_write_at_every_byte)
{
	for (int writes = 0; writes < 3; writes++) {
		for (long k = 0; k <= (long)JOURNAL_CFG_SIZE; k++) {
			struct journal j;
			struct journal_cfg cfg, old = { 0, 0, 0 };
			struct journal_counts c;

			stub_init(&h, 4096);
			remount(&j, &cfg, &c);
			for (int i = 1; i <= writes; i++) {
				cfg = (struct journal_cfg){ (uint8_t)i, (uint8_t)i,
							    (uint16_t)(10 * i) };
				journal_cfg_write(&j, &h, &cfg);
				old = cfg;
			}
			h.cut_after = k;
			h.cut_garble = k % 2;
			cfg = (struct journal_cfg){ 99, 0x0F, 500 };
			journal_cfg_write(&j, &h, &cfg);
			h.cut = false;
			h.cut_after = -1;
			remount(&j, &cfg, &c);
			if (k == (long)JOURNAL_CFG_SIZE) {
				ck_assert_uint_eq(cfg.addr, 99);
			} else if (writes == 0) {
				ck_assert_uint_eq(cfg.addr, 126); /* the default */
			} else {
				ck_assert_msg(cfg.addr == old.addr && cfg.blocks == old.blocks &&
						      cfg.debounce_ms == old.debounce_ms,
					      "cut after %ld bytes of write %d: addr %u", k,
					      writes + 1, cfg.addr);
			}
		}
	}
}
END_TEST

START_TEST(corrupt_area_is_reported)
{
	struct journal j;
	struct journal_cfg cfg;
	struct journal_counts c = counts(7);

	fresh(&j, &cfg, &c);
	c = counts(7);
	journal_counts_write(&j, &h, &c);
	h.nvm[JOURNAL_REC_OFFSET + 8] ^= 0x10; /* a bit rots in the only record */
	ck_assert_int_eq(remount(&j, &cfg, &c), JOURNAL_ECORRUPT);
	ck_assert_uint_eq(c.total[0], 0);
}
END_TEST

START_TEST(older_damage_is_harmless)
{
	struct journal j;
	struct journal_cfg cfg;
	struct journal_counts c;

	fresh(&j, &cfg, &c);
	for (uint32_t i = 1; i <= 3; i++) {
		c = counts(i);
		journal_counts_write(&j, &h, &c);
	}
	h.nvm[JOURNAL_REC_OFFSET + 5] ^= 0xFF; /* the oldest record */
	ck_assert_int_eq(remount(&j, &cfg, &c), JOURNAL_OK);
	ck_assert_uint_eq(c.total[0], 3);
}
END_TEST

START_TEST(failed_verify_moves_to_next_slot)
{
	struct journal j;
	struct journal_cfg cfg;
	struct journal_counts c;

	remount(&j, &cfg, &c);
	c = counts(1);
	journal_counts_write(&j, &h, &c);
	h.flip_writes = 1; /* a worn cell: the next slot does not keep its byte */
	c = counts(2);
	ck_assert_int_eq(journal_counts_write(&j, &h, &c), JOURNAL_OK);
	ck_assert_uint_eq(j.rec_slot, 2);
	remount(&j, &cfg, &c);
	ck_assert_uint_eq(c.total[0], 2);
	h.fail_writes = 2; /* the part stops answering */
	c = counts(3);
	ck_assert_int_eq(journal_counts_write(&j, &h, &c), JOURNAL_EIO);
	ck_assert_int_eq(journal_cfg_write(&j, &h, &cfg), JOURNAL_OK);
	remount(&j, &cfg, &c);
	ck_assert_uint_eq(c.total[0], 2);
}
END_TEST

START_TEST(too_small_part)
{
	struct journal j;
	struct journal_cfg cfg;
	struct journal_counts c;

	h.nvm_size = JOURNAL_REC_OFFSET + JOURNAL_REC_SIZE;
	ck_assert_int_eq(remount(&j, &cfg, &c), JOURNAL_ESIZE);
}
END_TEST

static Suite *journal_suite(void)
{
	Suite *s = suite_create("uo4_journal");
	TCase *tc = tcase_create("journal");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, blank_part_gives_defaults);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, wear_is_spread_over_every_slot);
	tcase_add_test(tc, cut_counter_write_first_record);
	tcase_add_test(tc, cut_counter_write_mid_ring);
	tcase_add_test(tc, cut_counter_write_at_ring_wrap);
	tcase_add_test(tc, cut_settings_write_at_every_byte);
	tcase_add_test(tc, corrupt_area_is_reported);
	tcase_add_test(tc, older_damage_is_harmless);
	tcase_add_test(tc, failed_verify_moves_to_next_slot);
	tcase_add_test(tc, too_small_part);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(journal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
