/*
 * Integration test of the UO-4 firmware in amr-sim, with libmodbus as an
 * independent Modbus RTU master on the simulator's pseudo-terminal (9600
 * 8N1). The control socket gives the ground truth (`totals`) and the
 * faults (`mains`, `unplug`, `pulse`).
 */
#include <check.h>
#include <errno.h>
#include <modbus/modbus.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../harness/harness.h"

static struct harness h;
static pid_t sim;
static char bus[300], ctl[300], state[300];
static modbus_t *mb;

/* True when the simulator's control socket takes a connection: it
 * listens, not only exists. */
static bool ctl_answers(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0 || strlen(ctl) >= sizeof sa.sun_path) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	memcpy(sa.sun_path, ctl, strlen(ctl) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static void start_sim(const char *speed, const char *profile)
{
	const char *args[] = { "--bus",	    bus,       "--devices", "4",       "--control",
			       ctl,	    "--state", state,	    "--speed", speed,
			       "--profile", profile,   "--seed",    "7",       NULL };
	struct stat st;

	/* a restart: the last run's link and socket are not this one's */
	unlink(bus);
	unlink(ctl);
	sim = harness_spawn(&h, "amr-sim", args);
	ck_assert_int_gt(sim, 0);
	HARNESS_POLL_UNTIL(lstat(bus, &st) == 0 && ctl_answers(), 10000);
	ck_assert_msg(lstat(bus, &st) == 0 && ctl_answers(),
		      "amr-sim made no bus link or control socket");
	mb = modbus_new_rtu(bus, 9600, 'N', 8, 1);
	ck_assert_ptr_nonnull(mb);
	ck_assert_int_eq(modbus_connect(mb), 0);
	modbus_set_response_timeout(mb, 0, 500000);
}

static void stop_sim(void)
{
	if (mb) {
		modbus_close(mb);
		modbus_free(mb);
		mb = NULL;
	}
	if (sim > 0) {
		int status = harness_kill(&h, sim, SIGTERM);

		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "amr-sim did not stop cleanly (status %d)", status);
		sim = 0;
	}
}

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	snprintf(bus, sizeof bus, "%s/bus", h.dir);
	snprintf(ctl, sizeof ctl, "%s/sim.sock", h.dir);
	snprintf(state, sizeof state, "%s/state", h.dir);
}

static void teardown(void)
{
	stop_sim();
	harness_stop(&h);
}

/* Send one control command; returns its answer (static buffer). */
static const char *command(const char *line)
{
	static char answer[16384];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool multi = strcmp(line, "totals") == 0;
	size_t len = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(strlen(ctl), sizeof sa.sun_path);
	memcpy(sa.sun_path, ctl, strlen(ctl) + 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	ck_assert_int_eq(write(fd, "\n", 1), 1);
	for (;;) {
		ssize_t n = read(fd, answer + len, sizeof answer - 1 - len);

		ck_assert_int_gt(n, 0);
		len += (size_t)n;
		answer[len] = '\0';
		if (multi ? (len >= 2 && strcmp(answer + len - 2, ".\n") == 0) ||
				    strstr(answer, "\n.\n")
			  : strchr(answer, '\n') != NULL)
			break;
	}
	close(fd);
	return answer;
}

static void command_ok(const char *line)
{
	const char *a = command(line);

	ck_assert_msg(strncmp(a, "ok", 2) == 0, "%s -> %s", line, a);
}

/* Total of input ch (1..4) of address addr as the firmware holds it. */
static uint32_t true_total(int addr, int ch)
{
	const char *a = command("totals");
	char want[32];
	const char *p;

	snprintf(want, sizeof want, "%d %d ", addr, ch);
	for (p = a; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, want, strlen(want)) == 0)
			return (uint32_t)strtoul(p + strlen(want), NULL, 10);
	ck_abort_msg("no total for %d/%d in: %s", addr, ch, a);
	return 0;
}

static uint32_t read_total(int addr, int ch)
{
	uint16_t r[2];

	ck_assert_int_eq(modbus_set_slave(mb, addr), 0);
	ck_assert_msg(modbus_read_input_registers(mb, 2 * (ch - 1), 2, r) == 2,
		      "read total %d/%d: %s", addr, ch, modbus_strerror(errno));
	return (uint32_t)r[0] << 16 | r[1];
}

static uint16_t read_status(int addr)
{
	uint16_t r;

	ck_assert_int_eq(modbus_set_slave(mb, addr), 0);
	ck_assert_int_eq(modbus_read_input_registers(mb, 16, 1, &r), 1);
	return r;
}

/* Expect a request to fail with errno e (an exception or a timeout). */
#define ck_assert_fails_with(call, e)                                                 \
	do {                                                                          \
		errno = 0;                                                            \
		ck_assert_int_eq((call), -1);                                         \
		ck_assert_msg(errno == (e), "errno %d (%s), expected %d (%s)", errno, \
			      modbus_strerror(errno), (e), modbus_strerror(e));       \
	} while (0)

START_TEST(totals_grow_and_match_the_devices)
{
	uint16_t regs[21];
	uint32_t before, after;

	start_sim("3600", "mixed");
	for (int addr = 1; addr <= 4; addr++) {
		ck_assert_int_eq(modbus_set_slave(mb, addr), 0);
		ck_assert_int_eq(modbus_read_input_registers(mb, 0, 21, regs), 21);
		ck_assert_uint_eq(regs[16] & 1, 1);  /* mains */
		ck_assert_uint_eq(regs[18], 0x0100); /* version 1.0 */
		ck_assert_uint_ge(regs[17], 3000);   /* a new battery */
	}
	/* Electricity on input 3 at 3600x: about a hundred pulses a second. */
	before = read_total(1, 3);
	for (int waited = 0; (after = read_total(1, 3)) <= before + 20 && waited < 10000;
	     waited += 50)
		harness_sleep_ms(50);
	ck_assert_msg(after > before + 20, "total of 1/3 went from %u to %u", before, after);
	/* Its period is in simulated ms: a plausible household power. */
	ck_assert_int_eq(modbus_read_input_registers(mb, 12, 2, regs), 2);
	ck_assert_uint_gt((uint32_t)regs[0] << 16 | regs[1], 100);    /* < 36 kW */
	ck_assert_uint_lt((uint32_t)regs[0] << 16 | regs[1], 120000); /* > 30 W */
	/* Paused, the registers equal the firmware's own counters (once the
	 * pulses under way at the pause have ended). */
	command_ok("pause");
	for (int i = 0; i < 100; i++) {
		bool same = true;

		for (int addr = 1; addr <= 4; addr++)
			for (int ch = 1; ch <= 4; ch++)
				same = same && read_total(addr, ch) == true_total(addr, ch);
		if (same)
			break;
		harness_sleep_ms(50);
	}
	for (int addr = 1; addr <= 4; addr++)
		for (int ch = 1; ch <= 4; ch++)
			ck_assert_uint_eq(read_total(addr, ch), true_total(addr, ch));
}
END_TEST

START_TEST(injected_pulses_are_counted_exactly)
{
	uint32_t t0;

	start_sim("1", "none");
	t0 = read_total(2, 1);
	command_ok("pulse 2 1 25");
	ck_assert_uint_eq(read_total(2, 1), t0 + 25);
	ck_assert_uint_eq(true_total(2, 1), t0 + 25);
	ck_assert_uint_eq(read_total(2, 2), 0);
	/* Zero command (holding 2) */
	ck_assert_int_eq(modbus_write_register(mb, 2, 1), 1);
	ck_assert_uint_eq(read_total(2, 1), 0);
	command_ok("pulse 2 4 3");
	command_ok("zero 2 4");
	ck_assert_uint_eq(read_total(2, 4), 0);
}
END_TEST

START_TEST(coils_block_and_stop_the_flow)
{
	uint8_t bits[4];
	uint32_t a0, a1, b0, b1;

	start_sim("3600", "elec");
	ck_assert_int_eq(modbus_set_slave(mb, 3), 0);
	ck_assert_int_eq(modbus_write_bit(mb, 2, 1), 1);
	ck_assert_int_eq(modbus_read_bits(mb, 0, 4, bits), 4);
	ck_assert(!bits[0] && !bits[1] && bits[2] && !bits[3]);
	ck_assert_int_eq(modbus_write_bits(mb, 0, 4, (const uint8_t[]){ 1, 1, 0, 1 }), 4);
	ck_assert_int_eq(modbus_read_bits(mb, 0, 4, bits), 4);
	ck_assert(bits[0] && bits[1] && !bits[2] && bits[3]);
	ck_assert_ptr_nonnull(strstr(command("status 3"), "outputs=1101"));
	/* A blocked input stops counting; an open one goes on. The open one
	 * is the clock: once it has counted a few pulses, those under way on
	 * the blocked inputs when they were blocked have ended; once it has
	 * counted 20 more, the blocked one had time to count too. */
	b0 = read_total(3, 3);
	for (int waited = 0; read_total(3, 3) < b0 + 5 && waited < 10000; waited += 20)
		harness_sleep_ms(20);
	a0 = read_total(3, 1);
	b0 = read_total(3, 3);
	for (int waited = 0; (b1 = read_total(3, 3)) <= b0 + 20 && waited < 10000; waited += 50)
		harness_sleep_ms(50);
	a1 = read_total(3, 1);
	ck_assert_uint_eq(a1, a0);
	ck_assert_msg(b1 > b0 + 20, "unblocked input went from %u to %u", b0, b1);
}
END_TEST

START_TEST(address_change_persists_across_restart)
{
	uint16_t r;

	start_sim("1", "none");
	command_ok("pulse 4 2 9");
	ck_assert_int_eq(modbus_set_slave(mb, 4), 0);
	ck_assert_int_eq(modbus_write_register(mb, 0, 40), 1);
	ck_assert_fails_with(modbus_read_input_registers(mb, 0, 1, &r), ETIMEDOUT);
	ck_assert_uint_eq(read_total(40, 2), 9);
	ck_assert_int_eq(modbus_read_registers(mb, 0, 1, &r), 1);
	ck_assert_uint_eq(r, 40);
	/* Restart the simulator: NV files keep the address and the counters. */
	stop_sim();
	start_sim("1", "none");
	ck_assert_uint_eq(read_total(40, 2), 9);
	ck_assert_uint_eq(true_total(40, 2), 9);
	ck_assert_int_eq(modbus_set_slave(mb, 4), 0);
	ck_assert_fails_with(modbus_read_input_registers(mb, 0, 1, &r), ETIMEDOUT);
	/* Factory reset: jumper fitted at power-up. */
	command_ok("jumper 40 on");
	command_ok("reboot 40");
	ck_assert_int_eq(modbus_set_slave(mb, 126), 0);
	ck_assert_int_eq(modbus_read_registers(mb, 0, 1, &r), 1);
	ck_assert_uint_eq(r, 126);
	ck_assert_uint_eq(read_total(126, 2), 9);
}
END_TEST

START_TEST(exceptions_from_the_device)
{
	uint16_t r[32];
	uint8_t bits[8], rsp[MODBUS_RTU_MAX_ADU_LENGTH];
	const uint8_t bad_coil[] = { 1, 0x05, 0x00, 0x00, 0x12, 0x34 };

	start_sim("1", "none");
	ck_assert_int_eq(modbus_set_slave(mb, 1), 0);
	ck_assert_fails_with(modbus_read_input_registers(mb, 0, 22, r), EMBXILADD);
	ck_assert_fails_with(modbus_read_input_registers(mb, 21, 1, r), EMBXILADD);
	ck_assert_fails_with(modbus_read_registers(mb, 3, 1, r), EMBXILADD);
	ck_assert_fails_with(modbus_read_bits(mb, 2, 3, bits), EMBXILADD);
	ck_assert_fails_with(modbus_write_bit(mb, 4, 1), EMBXILADD);
	ck_assert_fails_with(modbus_write_register(mb, 0, 0), EMBXILVAL);
	ck_assert_fails_with(modbus_write_register(mb, 0, 128), EMBXILVAL);
	ck_assert_fails_with(modbus_write_register(mb, 1, 5000), EMBXILVAL);
	ck_assert_fails_with(modbus_write_register(mb, 2, 5), EMBXILVAL);
	ck_assert_fails_with(modbus_write_registers(mb, 0, 2, (const uint16_t[]){ 7, 5000 }),
			     EMBXILVAL);
	ck_assert_int_eq(modbus_read_registers(mb, 0, 2, r), 2);
	ck_assert_uint_eq(r[0], 1); /* nothing changed */
	ck_assert_uint_eq(r[1], 20);
	ck_assert_fails_with(modbus_report_slave_id(mb, sizeof bits, bits), EMBXILFUN);
	ck_assert_fails_with(modbus_read_input_bits(mb, 0, 1, bits), EMBXILFUN);
	ck_assert_int_gt(modbus_send_raw_request(mb, bad_coil, sizeof bad_coil), 0);
	/* A raw confirmation comes back as bytes: address, 0x85, code 03, CRC. */
	ck_assert_int_eq(modbus_receive_confirmation(mb, rsp), 5);
	ck_assert_uint_eq(rsp[0], 1);
	ck_assert_uint_eq(rsp[1], 0x85);
	ck_assert_uint_eq(rsp[2], 3);
	/* Still answering normally. */
	ck_assert_int_eq(modbus_read_input_registers(mb, 0, 21, r), 21);
}
END_TEST

START_TEST(mains_loss_battery_counting_and_return)
{
	uint8_t bits[4];
	uint16_t r;

	start_sim("1", "none");
	ck_assert_int_eq(modbus_set_slave(mb, 2), 0);
	ck_assert_int_eq(modbus_write_bit(mb, 0, 1), 1);
	command_ok("mains off 2");
	ck_assert_ptr_nonnull(strstr(command("status 2"), "outputs=0000"));
	ck_assert_fails_with(modbus_read_input_registers(mb, 0, 1, &r), ETIMEDOUT);
	command_ok("pulse 2 3 4");
	ck_assert_uint_eq(true_total(2, 3), 4);
	ck_assert_uint_eq(read_status(1), 1); /* the others carry on */
	command_ok("mains on 2");
	ck_assert_uint_eq(read_total(2, 3), 4);
	ck_assert_uint_eq(read_status(2), 0x9); /* mains ok, counted on battery */
	ck_assert_uint_eq(read_status(2), 0x1); /* until read */
	ck_assert_int_eq(modbus_read_bits(mb, 0, 4, bits), 4);
	ck_assert(bits[0]);
	ck_assert_ptr_nonnull(strstr(command("status 2"), "outputs=1000"));
	command_ok("mains off all");
	for (int addr = 1; addr <= 4; addr++) {
		ck_assert_int_eq(modbus_set_slave(mb, addr), 0);
		ck_assert_fails_with(modbus_read_input_registers(mb, 0, 1, &r), ETIMEDOUT);
	}
	command_ok("mains on all");
	ck_assert_uint_eq(read_status(4), 1);
}
END_TEST

START_TEST(unplugged_device_and_broadcast)
{
	uint8_t bits[4];
	uint16_t r;

	start_sim("1", "none");
	command_ok("unplug 3");
	ck_assert_int_eq(modbus_set_slave(mb, 3), 0);
	ck_assert_fails_with(modbus_read_input_registers(mb, 0, 1, &r), ETIMEDOUT);
	command_ok("plug 3");
	ck_assert_int_eq(modbus_read_input_registers(mb, 0, 1, &r), 1);
	/* Broadcast: every device obeys, none answers. */
	ck_assert_int_eq(modbus_set_slave(mb, MODBUS_BROADCAST_ADDRESS), 0);
	modbus_write_bit(mb, 1, 1);
	for (int addr = 1; addr <= 4; addr++) {
		ck_assert_int_eq(modbus_set_slave(mb, addr), 0);
		/* no answer to a broadcast: ask until the device has acted */
		for (int i = 0; i < 50; i++) {
			ck_assert_int_eq(modbus_read_bits(mb, 0, 4, bits), 4);
			if (bits[1])
				break;
			harness_sleep_ms(20);
		}
		ck_assert_msg(bits[1] && !bits[0], "device %d did not obey the broadcast", addr);
	}
	/* Typos get a clear error and change nothing. */
	ck_assert_ptr_nonnull(strstr(command("mains of 2"), "error: \"of\": expected on or off"));
	ck_assert_ptr_nonnull(strstr(command("pulse 9 1 1"), "error: device 9"));
	ck_assert_ptr_nonnull(strstr(command("pulse 1 5 1"), "error: input 5"));
	ck_assert_ptr_nonnull(strstr(command("frobnicate"), "unknown command"));
}
END_TEST

static Suite *sim_modbus_suite(void)
{
	Suite *s = suite_create("sim_modbus");
	TCase *tc = tcase_create("libmodbus");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, totals_grow_and_match_the_devices);
	tcase_add_test(tc, injected_pulses_are_counted_exactly);
	tcase_add_test(tc, coils_block_and_stop_the_flow);
	tcase_add_test(tc, address_change_persists_across_restart);
	tcase_add_test(tc, exceptions_from_the_device);
	tcase_add_test(tc, mains_loss_battery_counting_and_return);
	tcase_add_test(tc, unplugged_device_and_broadcast);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sim_modbus_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
