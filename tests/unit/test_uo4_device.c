/* Unit tests of the whole UO-4 firmware (uo4.c, regs.c, power.c and the
 * modules under them) on the stub HAL: every register, the power
 * behaviour, persistence, and a power cut at every NV write step. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/uo4/crc16.h"
#include "../../firmware/uo4/regs.h"
#include "../../firmware/uo4/uo4.h"
#include "test_uo4_hal_stub.h"

static struct hal h;
static struct uo4 d;

static void setup(void)
{
	stub_init(&h, 4096);
	h.ms = 5000;
	h.us = 1000000;
	uo4_boot(&d, &h);
}

/* Let ms of device time pass (line time too), polling every ms. */
static void run_ms(uint32_t ms)
{
	for (uint32_t i = 0; i < ms; i++) {
		h.ms++;
		h.us += 1000;
		uo4_poll(&d);
	}
}

/* n clean pulses of 30 ms closed / 30 ms open on input ch (0..3). */
static void pulses(unsigned ch, int n)
{
	for (int i = 0; i < n; i++) {
		h.inputs |= (uint8_t)(1u << ch);
		run_ms(30);
		h.inputs &= (uint8_t) ~(1u << ch);
		run_ms(30);
	}
}

/* Send a frame (bytes up to -1, CRC appended) to the device and return the
 * reply's length (0: silence); the reply is in h.tx[0]. */
static size_t ask(int first, ...)
{
	uint8_t req[256];
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
	stub_tx_clear(&h);
	stub_rx(&h, req, n, h.us);
	run_ms(6); /* > 3.5 characters of silence */
	return h.tx_n ? h.tx_len[0] : 0;
}

static uint16_t reg(int i)
{
	return (uint16_t)(h.tx[0][3 + 2 * i] << 8 | h.tx[0][4 + 2 * i]);
}

static uint32_t reg32(int i)
{
	return (uint32_t)reg(i) << 16 | reg(i + 1);
}

/* Read input registers start..start+n-1 of device addr; fails the test
 * when there is no proper reply. */
static void read_inputs(int addr, int start, int n)
{
	size_t len = ask(addr, 0x04, 0, start, 0, n, -1);

	ck_assert_uint_eq(len, 5u + 2u * (unsigned)n);
	ck_assert_uint_eq(h.tx[0][0], addr);
}

static void power_cycle(void)
{
	h.ms += 100000;
	uo4_boot(&d, &h);
}

START_TEST(new_device_boots_at_factory_address)
{
	ck_assert_uint_eq(uo4_address(&d), 126);
	read_inputs(126, 0, 21);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(reg(i), 0);
	ck_assert_uint_eq(reg(16), UO4_ST_MAINS);
	ck_assert_uint_eq(reg(17), 3100);
	ck_assert_uint_eq(reg(18), 0x0100);
	ck_assert_uint_eq(ask(1, 0x04, 0, 0, 0, 1, -1), 0);
}
END_TEST

START_TEST(totals_and_periods)
{
	pulses(2, 1);
	pulses(0, 3);
	read_inputs(126, 0, 16);
	ck_assert_uint_eq(reg32(0), 3);
	ck_assert_uint_eq(reg32(2), 0);
	ck_assert_uint_eq(reg32(4), 1);
	ck_assert_uint_eq(d.ch[0].period_ms, 60); /* 30 + 30 ms between closings */
	/* Read 64 ms after the last closing: the longer of the two shows. */
	ck_assert_uint_eq(reg32(8), 64);
	ck_assert_uint_eq(reg32(12), 0); /* one pulse: no period yet */
	ck_assert_uint_eq(uo4_total(&d, 0), 3);
	/* The flow stops: the period reads the time since the last closing. */
	run_ms(1000);
	read_inputs(126, 8, 2);
	ck_assert_uint_ge(reg32(0), 64 + 1000);
	ck_assert_uint_le(reg32(0), 64 + 1000 + 12);
}
END_TEST

START_TEST(totals_above_16_bits_high_word_first)
{
	struct journal_counts c = { { 0x00012345u, 70000u, 0xFFFFFFFFu, 5 }, 0 };

	journal_counts_write(&d.jr, &h, &c);
	power_cycle();
	read_inputs(126, 0, 8);
	ck_assert_uint_eq(reg(0), 0x0001);
	ck_assert_uint_eq(reg(1), 0x2345);
	ck_assert_uint_eq(reg32(2), 70000);
	ck_assert_uint_eq(reg32(4), 0xFFFFFFFFu);
	pulses(2, 1);
	ck_assert_uint_eq(uo4_total(&d, 2), 0); /* wraps like any meter register */
}
END_TEST

START_TEST(uptime_and_version)
{
	run_ms(65432);
	read_inputs(126, 18, 3);
	ck_assert_uint_eq(reg(0), UO4_VERSION);
	ck_assert_uint_eq(reg32(1), 65);
}
END_TEST

START_TEST(battery_register_and_low_bit)
{
	h.battery_mv = 2650;
	read_inputs(126, 16, 2);
	ck_assert_uint_eq(reg(0), UO4_ST_MAINS | UO4_ST_BATT_LOW);
	ck_assert_uint_eq(reg(1), 2650);
}
END_TEST

START_TEST(debounce_register)
{
	ck_assert_uint_eq(ask(126, 0x03, 0, 1, 0, 1, -1), 7);
	ck_assert_uint_eq(reg(0), UO4_DEBOUNCE_DEFAULT);
	ck_assert_uint_eq(ask(126, 0x06, 0, 1, 0, 50, -1), 8);
	pulses(1, 2); /* 30 ms closures now too short */
	ck_assert_uint_eq(uo4_total(&d, 1), 0);
	ck_assert_uint_eq(ask(126, 0x06, 0, 1, 0x03, 0xE9, -1), 5); /* 1001 */
	ck_assert_uint_eq(h.tx[0][2], 3);
	power_cycle();
	ck_assert_uint_eq(ask(126, 0x03, 0, 1, 0, 1, -1), 7);
	ck_assert_uint_eq(reg(0), 50);
}
END_TEST

START_TEST(zero_command)
{
	pulses(0, 2);
	pulses(3, 4);
	ck_assert_uint_eq(ask(126, 0x06, 0, 2, 0, 4, -1), 8);
	ck_assert_uint_eq(uo4_total(&d, 3), 0);
	ck_assert_uint_eq(uo4_total(&d, 0), 2);
	for (int bad = 0; bad <= 5; bad += 5) {
		ck_assert_uint_eq(ask(126, 0x06, 0, 2, 0, bad, -1), 5);
		ck_assert_uint_eq(h.tx[0][2], 3);
	}
	ck_assert_uint_eq(ask(126, 0x03, 0, 2, 0, 1, -1), 7);
	ck_assert_uint_eq(reg(0), 0);
	power_cycle();
	ck_assert_uint_eq(uo4_total(&d, 3), 0);
	ck_assert_uint_eq(uo4_total(&d, 0), 2);
}
END_TEST

START_TEST(address_change)
{
	size_t n = ask(126, 0x06, 0, 0, 0, 17, -1);

	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(h.tx[0][0], 126); /* the reply comes from the old address */
	ck_assert_uint_eq(ask(126, 0x04, 0, 0, 0, 1, -1), 0);
	read_inputs(17, 0, 1);
	ck_assert_uint_eq(ask(17, 0x03, 0, 0, 0, 1, -1), 7);
	ck_assert_uint_eq(reg(0), 17);
	for (int bad = 0; bad <= 128; bad += 128) {
		ck_assert_uint_eq(ask(17, 0x06, 0, 0, 0, bad, -1), 5);
		ck_assert_uint_eq(h.tx[0][2], 3);
	}
	power_cycle();
	ck_assert_uint_eq(uo4_address(&d), 17);
}
END_TEST

START_TEST(reset_jumper_restores_factory_address)
{
	uo4_set_address(&d, 33);
	power_cycle();
	ck_assert_uint_eq(uo4_address(&d), 33);
	h.jumper = true;
	power_cycle();
	ck_assert_uint_eq(uo4_address(&d), 126);
	/* Ten quick flashes, then steady on. */
	{
		int changes = 0;
		bool led = h.led;

		for (int i = 0; i < 3000; i++) {
			run_ms(1);
			changes += h.led != led;
			led = h.led;
		}
		ck_assert_int_eq(changes, 19);
		ck_assert(h.led);
	}
	read_inputs(126, 0, 1); /* polled: back to a flash per reply */
	run_ms(100);
	ck_assert(!h.led);
	h.jumper = false; /* removed; the new address stays */
	power_cycle();
	ck_assert_uint_eq(uo4_address(&d), 126);
}
END_TEST

START_TEST(coils_drive_outputs_and_persist)
{
	ck_assert_uint_eq(ask(126, 0x05, 0, 2, 0xFF, 0, -1), 8);
	ck_assert_uint_eq(h.outputs, 0x04);
	ck_assert_uint_eq(ask(126, 0x0F, 0, 0, 0, 2, 1, 0x03, -1), 8);
	ck_assert_uint_eq(h.outputs, 0x07);
	ck_assert_uint_eq(ask(126, 0x01, 0, 0, 0, 4, -1), 6);
	ck_assert_uint_eq(h.tx[0][3], 0x07);
	ck_assert_uint_eq(ask(126, 0x01, 0, 0, 0, 5, -1), 5); /* there are 4 */
	ck_assert_uint_eq(h.tx[0][2], 2);
	power_cycle();
	ck_assert_uint_eq(h.outputs, 0x07);
}
END_TEST

START_TEST(exceptions)
{
	ck_assert_uint_eq(ask(126, 0x2B, 0x0E, 1, 0, -1), 5);
	ck_assert_uint_eq(h.tx[0][1], 0xAB);
	ck_assert_uint_eq(h.tx[0][2], 1);
	ck_assert_uint_eq(ask(126, 0x04, 0, 21, 0, 1, -1), 5);
	ck_assert_uint_eq(h.tx[0][2], 2);
	ck_assert_uint_eq(ask(126, 0x03, 0, 3, 0, 1, -1), 5);
	ck_assert_uint_eq(h.tx[0][2], 2);
	ck_assert_uint_eq(ask(126, 0x05, 0, 4, 0xFF, 0, -1), 5);
	ck_assert_uint_eq(h.tx[0][2], 2);
	ck_assert_uint_eq(ask(126, 0x05, 0, 0, 0x12, 0x34, -1), 5);
	ck_assert_uint_eq(h.tx[0][2], 3);
	ck_assert_uint_eq(h.outputs, 0);
}
END_TEST

START_TEST(broadcast_is_obeyed_silently)
{
	ck_assert_uint_eq(ask(0, 0x05, 0, 1, 0xFF, 0, -1), 0);
	ck_assert_uint_eq(h.outputs, 0x02);
	ck_assert_uint_eq(ask(0, 0x04, 0, 0, 0, 1, -1), 0);
}
END_TEST

START_TEST(mains_loss_releases_and_silences)
{
	ask(126, 0x0F, 0, 0, 0, 4, 1, 0x09, -1);
	ck_assert_uint_eq(h.outputs, 0x09);
	h.mains = false;
	run_ms(1);
	ck_assert_uint_eq(h.outputs, 0); /* every consumer connected */
	ck_assert_uint_eq(ask(126, 0x04, 0, 0, 0, 1, -1), 0);
	pulses(1, 5); /* counting goes on */
	ck_assert_uint_eq(uo4_total(&d, 1), 5);
	ck_assert(uo4_status(&d) & UO4_ST_ON_BATTERY);
	h.mains = true;
	run_ms(1);
	ck_assert_uint_eq(h.outputs, 0x09); /* blocks come back */
	read_inputs(126, 0, 17);
	ck_assert_uint_eq(reg32(2), 5);
	ck_assert_uint_eq(reg(16), UO4_ST_MAINS | UO4_ST_ON_BATTERY);
	read_inputs(126, 16, 1); /* read once: cleared */
	ck_assert_uint_eq(reg(0), UO4_ST_MAINS);
}
END_TEST

START_TEST(battery_flag_survives_power_cycle_until_read)
{
	h.mains = false;
	run_ms(1);
	pulses(0, 1);
	power_cycle();
	h.mains = true;
	run_ms(1);
	read_inputs(126, 16, 1);
	ck_assert_uint_eq(reg(0), UO4_ST_MAINS | UO4_ST_ON_BATTERY);
	power_cycle();
	read_inputs(126, 16, 1);
	ck_assert_uint_eq(reg(0), UO4_ST_MAINS);
}
END_TEST

START_TEST(frame_arriving_on_battery_is_dropped)
{
	uint8_t part[] = { 126, 0x04, 0, 0 };

	/* Half a request, then mains fails and returns: no reply to a frame
	 * glued from the halves. */
	stub_tx_clear(&h);
	stub_rx(&h, part, sizeof part, h.us);
	uo4_poll(&d);
	h.mains = false;
	run_ms(1);
	h.mains = true;
	run_ms(10);
	ck_assert_int_eq(h.tx_n, 0);
	read_inputs(126, 0, 1);
}
END_TEST

START_TEST(pulses_survive_power_cycles)
{
	for (int cycle = 0; cycle < 5; cycle++) {
		pulses((unsigned)cycle % 4, 7);
		power_cycle();
	}
	ck_assert_uint_eq(uo4_total(&d, 0), 14);
	ck_assert_uint_eq(uo4_total(&d, 1), 7);
	ck_assert_uint_eq(uo4_total(&d, 2), 7);
	ck_assert_uint_eq(uo4_total(&d, 3), 7);
}
END_TEST

/*
 * Power dies at every byte of the NV write a pulse causes. After the next
 * boot the total is the old one or the old one plus that pulse, never
 * less; a total that a master could read (the write completed) is never
 * lost.
 */
START_TEST(power_cut_at_every_nv_byte_of_a_pulse)
{
	for (long k = 0; k <= (long)JOURNAL_REC_SIZE; k++) {
		for (int garble = 0; garble < 2; garble++) {
			setup();
			pulses(0, 10);
			h.cut_after = k;
			h.cut_garble = garble;
			pulses(0, 1);
			h.cut = false;
			h.cut_after = -1;
			power_cycle();
			if (k < (long)JOURNAL_REC_SIZE)
				ck_assert_msg(uo4_total(&d, 0) == 10, "cut at byte %ld: %u", k,
					      uo4_total(&d, 0));
			else
				ck_assert_uint_eq(uo4_total(&d, 0), 11);
			ck_assert(!(uo4_status(&d) & UO4_ST_NVM_ERROR));
			pulses(0, 1);
			power_cycle();
			ck_assert_uint_eq(uo4_total(&d, 0), k < (long)JOURNAL_REC_SIZE ? 11 : 12);
		}
	}
}
END_TEST

START_TEST(nv_failure_sets_status_and_exception_04)
{
	h.fail_writes = 100;
	ck_assert_uint_eq(ask(126, 0x05, 0, 0, 0xFF, 0, -1), 5);
	ck_assert_uint_eq(h.tx[0][2], 4);
	pulses(0, 1);
	ck_assert_uint_eq(uo4_total(&d, 0), 1); /* still counted in RAM */
	read_inputs(126, 16, 1);
	ck_assert(reg(0) & UO4_ST_NVM_ERROR);
}
END_TEST

static Suite *device_suite(void)
{
	Suite *s = suite_create("uo4_device");
	TCase *tr = tcase_create("registers");
	TCase *tp = tcase_create("power");

	tcase_add_checked_fixture(tr, setup, NULL);
	tcase_add_test(tr, new_device_boots_at_factory_address);
	tcase_add_test(tr, totals_and_periods);
	tcase_add_test(tr, totals_above_16_bits_high_word_first);
	tcase_add_test(tr, uptime_and_version);
	tcase_add_test(tr, battery_register_and_low_bit);
	tcase_add_test(tr, debounce_register);
	tcase_add_test(tr, zero_command);
	tcase_add_test(tr, address_change);
	tcase_add_test(tr, reset_jumper_restores_factory_address);
	tcase_add_test(tr, coils_drive_outputs_and_persist);
	tcase_add_test(tr, exceptions);
	tcase_add_test(tr, broadcast_is_obeyed_silently);
	tcase_add_checked_fixture(tp, setup, NULL);
	tcase_add_test(tp, mains_loss_releases_and_silences);
	tcase_add_test(tp, battery_flag_survives_power_cycle_until_read);
	tcase_add_test(tp, frame_arriving_on_battery_is_dropped);
	tcase_add_test(tp, pulses_survive_power_cycles);
	tcase_add_test(tp, power_cut_at_every_nv_byte_of_a_pulse);
	tcase_add_test(tp, nv_failure_sets_status_and_exception_04);
	suite_add_tcase(s, tr);
	suite_add_tcase(s, tp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(device_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
