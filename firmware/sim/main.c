/*
 * amr-sim - a building of UO-4 devices on a virtual RS-485 bus.
 *
 * Wires things together: options, state directory, bus, devices, control;
 * then runs until SIGINT or SIGTERM, flushes the NV files and removes the
 * bus link and the control socket. With --history-days it instead writes
 * the building's past as CSV (history.h) and exits.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "config.h"
#include "history.h"
#include "simctl.h"
#include "log.h"
#include "sim.h"
#include "svc.h"

static const char *const profiles[] = { "mixed", "cold", "hot", "elec", "gas", "none", NULL };

static struct {
	const char *bus;
	long long devices;
	const char *speed;
	const char *state;
	const char *control;
	long long seed;
	const char *profile;
	long long baud;
	bool wire_timing;
	bool house;
	long long history_days;
	long long history_end;
	const char *history_out;
	long long history_obj;
	const char *log_level;
} opt;

static const struct config_opt options[] = {
	{ "bus", "AMR_SIM_BUS", CONFIG_STR, NULL, 1, 400,
	  "path of the link to the bus's pseudo-terminal (required)", &opt.bus, NULL },
	{ "devices", "AMR_SIM_DEVICES", CONFIG_INT, "32", 1, 127, "UO-4 devices, at addresses 1..N",
	  &opt.devices, NULL },
	{ "speed", "AMR_SIM_SPEED", CONFIG_STR, "1", 1, 32,
	  "simulated-time factor for the meters, 0.001..100000", &opt.speed, NULL },
	{ "state", "AMR_SIM_STATE", CONFIG_STR, NULL, 1, 400,
	  "NV memory files (default $AMR_DATA_DIR/sim, else ./var/sim)", &opt.state, NULL },
	{ "control", "AMR_SIM_CONTROL", CONFIG_STR, NULL, 1, 107,
	  "unix socket for control commands (unset: none)", &opt.control, NULL },
	{ "seed", "AMR_SIM_SEED", CONFIG_INT, "1", 0, 2147483647, "seed of the meters' randomness",
	  &opt.seed, NULL },
	{ "profile", "AMR_SIM_PROFILE", CONFIG_STR, "mixed", 1, 8,
	  "meters: mixed (cold, hot, elec, gas on inputs 1..4), one kind on all, or none",
	  &opt.profile, profiles },
	{ "baud", "AMR_SIM_BAUD", CONFIG_INT, "9600", 1200, 115200,
	  "line speed for frame timing and wire delays", &opt.baud, NULL },
	{ "wire-timing", "AMR_SIM_WIRE_TIMING", CONFIG_BOOL, "yes", 0, 1,
	  "delay each reply by its transmission time at the baud", &opt.wire_timing, NULL },
	{ "house", "AMR_SIM_HOUSE", CONFIG_BOOL, "no", 0, 1,
	  "one more UO-4 after the flats': the house meters, counting the whole building "
	  "(1 pulse per 10 of the flats', 3% more for common use and losses)",
	  &opt.house, NULL },
	{ "history-days", NULL, CONFIG_INT, "0", 0, HISTORY_MAX_DAYS,
	  "write this many days of hourly history of the building to --history-out and exit "
	  "(0: run the building)",
	  &opt.history_days, NULL },
	{ "history-end", NULL, CONFIG_INT, "0", 0, 253402300799LL,
	  "UTC seconds: the history ends before the hour of this time (0: the current hour)",
	  &opt.history_end, NULL },
	{ "history-out", NULL, CONFIG_STR, NULL, 1, 400,
	  "the history's CSV file, written whole or not at all (- for stdout)", &opt.history_out,
	  NULL },
	{ "history-obj", NULL, CONFIG_INT, "1", 1, 65000,
	  "object number in the history's channel ids (the gateway's --obj)", &opt.history_obj,
	  NULL },
	{ "log-level", "AMR_LOG_LEVEL", CONFIG_STR, "info", 1, 16, "error, warn, info or debug",
	  &opt.log_level, config_log_levels },
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static struct sim sim; /* large: 127 devices with their receive buffers */

/* mkdir -p; returns 0 or -1 (logged). */
static int make_dirs(const char *path)
{
	char p[512];

	if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) {
		log_error("state: path too long: %s", path);
		return -1;
	}
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				log_error("state: mkdir %s: %s", p, strerror(errno));
				return -1;
			}
			*s = c;
			if (c == '\0')
				return 0;
		}
	}
}

/* The meters of inputs 1..4 for a --profile value (already checked). */
static void kinds_of(const char *profile, enum gen_kind *kinds)
{
	if (strcmp(profile, "mixed") == 0) {
		kinds[0] = GEN_COLD;
		kinds[1] = GEN_HOT;
		kinds[2] = GEN_ELEC;
		kinds[3] = GEN_GAS;
		return;
	}
	for (int i = 0; i < HAL_CHANNELS; i++)
		kinds[i] = (enum gen_kind)gen_kind_parse(profile);
}

/* How long poll() may sleep: short while a frame may be completing or a
 * reply is due, else a few ms so the meters keep up. */
static int poll_timeout(const struct bus *b, uint64_t now)
{
	uint64_t due = bus_next_due(b);
	int ms = 5;

	if (now - sim.last_rx_us < 20000)
		ms = 1;
	if (due != UINT64_MAX) {
		uint64_t wait = due > now ? (due - now + 999) / 1000 : 0;

		if (wait < (uint64_t)ms)
			ms = (int)wait;
	}
	return ms;
}

static void run(struct bus *b, struct simctl *c)
{
	struct pollfd fds[2 + SIMCTL_CLIENTS + 1];
	uint64_t next_check = 0;
	uint8_t buf[512];

	while (!stopping) {
		uint64_t now = bus_now_us();
		int n = 0, first_ctl, r;

		/* While nobody has the bus open the pty reports a hang-up on
		 * every poll; look again every 50 ms instead of spinning. */
		if (!b->open_by_master && now >= next_check) {
			if (bus_check_open(b))
				log_info("bus: a master opened %s", b->link);
			next_check = now + 50000;
		}
		if (b->open_by_master)
			fds[n++] = (struct pollfd){ .fd = b->master, .events = POLLIN };
		first_ctl = n;
		n += simctl_fill(c, fds + n);
		r = poll(fds, (nfds_t)n, poll_timeout(b, now));
		if (r < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			break;
		}
		now = bus_now_us();
		if (r > 0 && first_ctl == 1 && fds[0].revents) {
			size_t got = bus_read(b, buf, sizeof buf);

			if (got > 0)
				sim_rx(&sim, buf, got, now);
			else if (fds[0].revents & POLLHUP)
				b->open_by_master = false;
			if (!b->open_by_master)
				log_info("bus: the master closed %s", b->link);
		}
		sim_advance(&sim, bus_now_us());
		bus_flush(b, bus_now_us());
		if (r > 0)
			simctl_serve(c, &sim, fds + first_ctl, n - first_ctl);
	}
}

/*
 * --history-days: the history into --history-out (through a temporary file
 * renamed onto it, so a reader never sees half of it). Returns the exit
 * status.
 */
static int history(const enum gen_kind *kinds)
{
	struct history_opts ho = {
		.obj = (int)opt.history_obj,
		.flats = (int)opt.devices,
		.house = opt.house,
		.seed = (uint64_t)opt.seed,
		.tz_h = sim_tz_offset_h(),
		.end_s = opt.history_end ? (uint64_t)opt.history_end : (uint64_t)time(NULL),
		.days = (int)opt.history_days,
	};
	static char buf[1 << 20];
	struct history_stats st;
	char tmp[512];
	bool std = !strcmp(opt.history_out, "-");
	FILE *f = stdout;
	int rc;

	memcpy(ho.kinds, kinds, sizeof ho.kinds);
	if ((unsigned long long)ho.end_s < (unsigned long long)ho.days * 86400u + 3600u) {
		fprintf(stderr, "option history-end: %llu is before %lld days of history\n",
			(unsigned long long)ho.end_s, opt.history_days);
		return 2;
	}
	if (!std) {
		if (snprintf(tmp, sizeof tmp, "%s.tmp", opt.history_out) >= (int)sizeof tmp ||
		    !(f = fopen(tmp, "w"))) {
			log_error("history: cannot write %s.tmp: %s", opt.history_out,
				  strerror(errno));
			return 1;
		}
	}
	setvbuf(f, buf, _IOFBF, sizeof buf);
	rc = history_write(f, &ho, &st);
	if (std)
		fflush(f);
	else if ((fclose(f) != 0 && rc == 0) || (rc == 0 && rename(tmp, opt.history_out) != 0))
		rc = -1;
	if (rc != 0) {
		log_error("history: writing %s: %s", opt.history_out, strerror(errno));
		if (!std)
			unlink(tmp);
		return 1;
	}
	log_info("history: %d days before %llu, %d channels, %llu lines, %llu pulses in %s",
		 ho.days, (unsigned long long)(ho.end_s - ho.end_s % 3600u), st.channels,
		 (unsigned long long)st.lines, (unsigned long long)st.pulses, opt.history_out);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sim_opts so = { 0 };
	struct bus bus;
	struct simctl ctl;
	char state[512];
	char *end;
	int rc;

	rc = config_parse(options, sizeof options / sizeof options[0], argc, argv,
			  "amr-sim: UO-4 devices running their firmware on a virtual RS-485 bus",
			  NULL);
	if (rc == CONFIG_HELP)
		return 0;
	if (rc != 0)
		return 2;
	log_init("amr-sim", log_level_parse(opt.log_level));
	kinds_of(opt.profile, so.kinds);
	if (opt.history_days) {
		if (!opt.history_out) {
			fprintf(stderr, "option history-out: required with --history-days\n");
			return 2;
		}
		return history(so.kinds);
	}
	if (!opt.bus) {
		fprintf(stderr, "option bus: required (--bus PATH)\n");
		return 2;
	}
	so.speed = strtod(opt.speed, &end);
	if (end == opt.speed || *end != '\0' || !(so.speed >= 0.001 && so.speed <= 100000)) {
		fprintf(stderr, "option speed: \"%s\" is not a number in 0.001..100000\n",
			opt.speed);
		return 2;
	}
	if (opt.state)
		snprintf(state, sizeof state, "%s", opt.state);
	else if (svc_data_dir(state, sizeof state, "sim"))
		return 1;
	so.devices = (int)opt.devices;
	so.state_dir = state;
	so.baud = (uint32_t)opt.baud;
	so.seed = (uint64_t)opt.seed;
	so.house = opt.house;

	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rc = 1;
	if (make_dirs(state) != 0)
		goto out;
	if (bus_open(&bus, opt.bus, so.baud, opt.wire_timing) != 0)
		goto out;
	if (sim_open(&sim, &so, &bus, bus_now_us()) != 0)
		goto out_bus;
	if (simctl_open(&ctl, opt.control) != 0)
		goto out_sim;
	log_info("running %d devices, profile %s, speed %g, state %s", sim.n, opt.profile, so.speed,
		 state);
	run(&bus, &ctl);
	log_info("stopping");
	rc = 0;
	simctl_close(&ctl);
out_sim:
	sim_close(&sim);
out_bus:
	bus_close(&bus);
out:
	return rc;
}
