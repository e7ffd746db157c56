#include "simcmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORDS 8

struct ctx {
	struct sim *s;
	uint64_t now_us;
	struct simcmd_out *out;
};

struct command {
	const char *name;
	int min_args; /* words after the name */
	int max_args;
	const char *usage;
	int (*run)(struct ctx *c, int argc, char **argv);
};

__attribute__((format(printf, 2, 3))) static void say(struct simcmd_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

__attribute__((format(printf, 2, 3))) static int fail(struct ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	say(c->out, "error: %s\n", msg);
	return -1;
}

/* A whole number in [lo, hi]; -1 on anything else. */
static long number(const char *w, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(w, &end, 10);
	if (errno || end == w || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

static struct sim_dev *device(struct ctx *c, const char *w)
{
	const char *why = NULL;
	struct sim_dev *d = sim_find(c->s, w, &why);

	if (!d)
		fail(c, "device %s: %s", w, why);
	return d;
}

/* Input number 1..4 as a channel index, or -1 after an error. */
static int channel(struct ctx *c, const char *w)
{
	long ch = number(w, 1, HAL_CHANNELS);

	if (ch < 0)
		fail(c, "input %s: an input is 1..%d", w, HAL_CHANNELS);
	return (int)ch - 1;
}

static int on_off(struct ctx *c, const char *w)
{
	if (strcmp(w, "on") == 0)
		return 1;
	if (strcmp(w, "off") == 0)
		return 0;
	fail(c, "\"%s\": expected on or off", w);
	return -1;
}

static int run_help(struct ctx *c, int argc, char **argv);

static int run_mains(struct ctx *c, int argc, char **argv)
{
	int on = on_off(c, argv[1]);
	struct sim_dev *d;

	(void)argc;
	if (on < 0)
		return -1;
	if (strcmp(argv[2], "all") == 0) {
		for (int i = 0; i < c->s->n; i++)
			sim_mains(c->s, &c->s->dev[i], on);
		say(c->out, "ok mains %s on %d devices\n", argv[1], c->s->n);
		return 0;
	}
	if (!(d = device(c, argv[2])))
		return -1;
	sim_mains(c->s, d, on);
	say(c->out, "ok mains %s slot %d address %u\n", argv[1], d->slot, uo4_address(&d->fw));
	return 0;
}

static int run_plug(struct ctx *c, int argc, char **argv)
{
	struct sim_dev *d = device(c, argv[1]);

	(void)argc;
	if (!d)
		return -1;
	d->plugged = strcmp(argv[0], "plug") == 0;
	if (!d->plugged)
		hal_sim_rx_clear(&d->hal);
	say(c->out, "ok slot %d address %u %s\n", d->slot, uo4_address(&d->fw),
	    d->plugged ? "on the bus" : "off the bus");
	return 0;
}

static int run_zero(struct ctx *c, int argc, char **argv)
{
	struct sim_dev *d = device(c, argv[1]);
	int ch;

	(void)argc;
	if (!d || (ch = channel(c, argv[2])) < 0)
		return -1;
	if (!d->powered)
		return fail(c, "device %s is off (battery flat, no mains)", argv[1]);
	if (uo4_zero(&d->fw, (unsigned)ch) != 0)
		return fail(c, "device %s: NV memory failed", argv[1]);
	say(c->out, "ok zeroed address %u input %d\n", uo4_address(&d->fw), ch + 1);
	return 0;
}

static int run_pulse(struct ctx *c, int argc, char **argv)
{
	struct sim_dev *d = device(c, argv[1]);
	long n;
	int ch;

	(void)argc;
	if (!d || (ch = channel(c, argv[2])) < 0)
		return -1;
	if ((n = number(argv[3], 1, 100000)) < 0)
		return fail(c, "count %s: expected 1..100000", argv[3]);
	if (sim_pulse(c->s, d, (unsigned)ch, (uint32_t)n) != 0)
		return fail(c, "device %s is off (battery flat, no mains)", argv[1]);
	say(c->out, "ok address %u input %d total %u\n", uo4_address(&d->fw), ch + 1,
	    uo4_total(&d->fw, (unsigned)ch));
	return 0;
}

static int run_pause(struct ctx *c, int argc, char **argv)
{
	(void)argc;
	sim_advance(c->s, c->now_us);
	c->s->paused = strcmp(argv[0], "pause") == 0;
	say(c->out, "ok generators %s\n", c->s->paused ? "paused" : "running");
	return 0;
}

static int run_totals(struct ctx *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < c->s->n; i++) {
		struct sim_dev *d = &c->s->dev[i];

		for (unsigned ch = 0; ch < HAL_CHANNELS; ch++)
			say(c->out, "%u %u %u\n", uo4_address(&d->fw), ch + 1,
			    uo4_total(&d->fw, ch));
	}
	say(c->out, ".\n");
	return 0;
}

static void bits(char *b, uint8_t mask)
{
	for (unsigned i = 0; i < HAL_CHANNELS; i++)
		b[i] = (mask >> i) & 1u ? '1' : '0';
	b[HAL_CHANNELS] = '\0';
}

static int status_device(struct ctx *c, struct sim_dev *d)
{
	char out[8], blk[8], leak[8], house[240] = "";

	if (d->house) /* what the flats fed it, what it was given, the heat meter's weather */
		snprintf(house, sizeof house,
			 " house=yes flat_pulses=%llu,%llu,%llu,%llu given=%llu,%llu,%llu,%llu "
			 "outdoor_c=%.1f",
			 (unsigned long long)d->house_in[0], (unsigned long long)d->house_in[1],
			 (unsigned long long)d->house_in[2], (unsigned long long)d->house_in[3],
			 (unsigned long long)d->house_given[0],
			 (unsigned long long)d->house_given[1],
			 (unsigned long long)d->house_given[2],
			 (unsigned long long)d->house_given[3],
			 gen_outdoor_c(c->s->now_ms, c->s->tz_h));
	bits(out, d->hal.outputs);
	bits(blk, uo4_blocks(&d->fw));
	for (unsigned i = 0; i < HAL_CHANNELS; i++)
		leak[i] = gen_leaking(&d->gen[i], c->s->now_ms) ? '1' : '0';
	leak[HAL_CHANNELS] = '\0';
	say(c->out,
	    "ok slot=%d address=%u power=%s mains=%s battery_mv=%u bus=%s outputs=%s "
	    "blocks=%s status=0x%04x debounce_ms=%u uptime_s=%u totals=%u,%u,%u,%u "
	    "leaks=%s frames=%u replies=%u blocked_pulses=%llu%s\n",
	    d->slot, uo4_address(&d->fw), d->powered ? "on" : "off", d->hal.mains ? "on" : "off",
	    sim_battery_mv(d), d->plugged ? "plugged" : "unplugged", out, blk,
	    (unsigned)uo4_status(&d->fw), (unsigned)d->fw.cfg.debounce_ms, d->fw.up_s,
	    uo4_total(&d->fw, 0), uo4_total(&d->fw, 1), uo4_total(&d->fw, 2), uo4_total(&d->fw, 3),
	    leak, d->fw.frames, d->fw.replies, (unsigned long long)d->blocked_pulses, house);
	return 0;
}

static int run_status(struct ctx *c, int argc, char **argv)
{
	int mains_off = 0, off = 0, unplugged = 0;
	struct sim_dev *d;
	char when[32];
	time_t t;
	struct tm tm;

	if (argc == 2)
		return (d = device(c, argv[1])) ? status_device(c, d) : -1;
	for (int i = 0; i < c->s->n; i++) {
		mains_off += !c->s->dev[i].hal.mains;
		off += !c->s->dev[i].powered;
		unplugged += !c->s->dev[i].plugged;
	}
	t = (time_t)(c->s->now_ms / 1000u);
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	say(c->out,
	    "ok devices=%d mains_off=%d off=%d unplugged=%d generators=%s speed=%g sim_time=%s "
	    "master=%s collisions=%llu dropped=%llu\n",
	    c->s->n, mains_off, off, unplugged, c->s->paused ? "paused" : "running", c->s->speed,
	    when, c->s->bus && c->s->bus->open_by_master ? "open" : "closed",
	    c->s->bus ? (unsigned long long)c->s->bus->collisions : 0ull,
	    c->s->bus ? (unsigned long long)c->s->bus->dropped : 0ull);
	return 0;
}

static int run_leak(struct ctx *c, int argc, char **argv)
{
	struct sim_dev *d = device(c, argv[1]);
	double hours, rate = 3.0;
	char *end;
	int ch;

	if (!d || (ch = channel(c, argv[2])) < 0)
		return -1;
	hours = strtod(argv[3], &end);
	if (end == argv[3] || *end != '\0' || !(hours > 0 && hours <= 24 * 365))
		return fail(c, "hours %s: expected a number above 0, up to a year", argv[3]);
	if (argc == 5) {
		rate = strtod(argv[4], &end);
		if (end == argv[4] || *end != '\0' || !(rate > 0 && rate <= 10000))
			return fail(c, "rate %s: expected pulses per hour, above 0 up to 10000",
				    argv[4]);
	}
	if (d->gen[ch].kind == GEN_NONE)
		return fail(c, "input %d of device %s has no meter (profile none)", ch + 1,
			    argv[1]);
	sim_leak(c->s, d, (unsigned)ch, hours, rate);
	say(c->out, "ok leak on address %u input %d for %g h at %g pulses/h\n", uo4_address(&d->fw),
	    ch + 1, hours, rate);
	return 0;
}

static int run_jumper(struct ctx *c, int argc, char **argv)
{
	struct sim_dev *d = device(c, argv[1]);
	int on;

	(void)argc;
	if (!d || (on = on_off(c, argv[2])) < 0)
		return -1;
	d->hal.jumper = on;
	say(c->out, "ok jumper %s on slot %d (read at the next power-up)\n", argv[2], d->slot);
	return 0;
}

static int run_reboot(struct ctx *c, int argc, char **argv)
{
	struct sim_dev *d = device(c, argv[1]);

	(void)argc;
	if (!d)
		return -1;
	sim_reboot(c->s, d);
	say(c->out, "ok slot %d restarted at address %u\n", d->slot, uo4_address(&d->fw));
	return 0;
}

static int run_battery(struct ctx *c, int argc, char **argv)
{
	struct sim_dev *d = device(c, argv[1]);

	(void)argc;
	if (!d)
		return -1;
	if (strcmp(argv[2], "new") != 0)
		return fail(c, "\"%s\": the only battery action is new", argv[2]);
	d->battery_ms = (uint64_t)SIM_BATTERY_DAYS * 24u * 3600u * 1000u;
	say(c->out, "ok new battery in slot %d\n", d->slot);
	return 0;
}

static int run_speed(struct ctx *c, int argc, char **argv)
{
	char *end;
	double x = strtod(argv[1], &end);

	(void)argc;
	if (end == argv[1] || *end != '\0' || !(x >= 0.001 && x <= 100000))
		return fail(c, "speed %s: expected 0.001..100000", argv[1]);
	sim_set_speed(c->s, x, c->now_us);
	say(c->out, "ok speed %g\n", x);
	return 0;
}

static const struct command commands[] = {
	{ "help", 0, 0, "help", run_help },
	{ "status", 0, 1, "status [DEV]", run_status },
	{ "totals", 0, 0, "totals", run_totals },
	{ "mains", 2, 2, "mains off|on DEV|all", run_mains },
	{ "unplug", 1, 1, "unplug DEV", run_plug },
	{ "plug", 1, 1, "plug DEV", run_plug },
	{ "zero", 2, 2, "zero DEV CH", run_zero },
	{ "pulse", 3, 3, "pulse DEV CH N", run_pulse },
	{ "pause", 0, 0, "pause", run_pause },
	{ "resume", 0, 0, "resume", run_pause },
	{ "leak", 3, 4, "leak DEV CH HOURS [RATE]", run_leak },
	{ "jumper", 2, 2, "jumper DEV on|off", run_jumper },
	{ "reboot", 1, 1, "reboot DEV", run_reboot },
	{ "battery", 2, 2, "battery DEV new", run_battery },
	{ "speed", 1, 1, "speed X", run_speed },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int run_help(struct ctx *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	say(c->out, "ok commands:");
	for (size_t i = 0; i < NCOMMANDS; i++)
		say(c->out, "%s %s", i ? ";" : "", commands[i].usage);
	say(c->out, " (DEV: address or @slot, CH: input 1..4)\n");
	return 0;
}

int simcmd_exec(struct sim *s, const char *line, uint64_t real_now_us, struct simcmd_out *out)
{
	struct ctx c = { s, real_now_us, out };
	char copy[256], *argv[MAX_WORDS], *save = NULL, *w;
	int argc = 0;

	if (out->cap > 0 && out->len == 0)
		out->buf[0] = '\0';
	if (strlen(line) >= sizeof copy)
		return fail(&c, "line too long (%zu characters, at most %zu)", strlen(line),
			    sizeof copy - 1);
	strcpy(copy, line);
	for (w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == MAX_WORDS)
			return fail(&c, "too many words");
		argv[argc++] = w;
	}
	if (argc == 0)
		return fail(&c, "empty command; try help");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct command *k = &commands[i];

		if (strcmp(argv[0], k->name) != 0)
			continue;
		if (argc - 1 < k->min_args || argc - 1 > k->max_args)
			return fail(&c, "usage: %s", k->usage);
		return k->run(&c, argc, argv);
	}
	return fail(&c, "unknown command \"%s\"; try help", argv[0]);
}
