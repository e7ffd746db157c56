#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../uo4/uo4_map.h"
#include "cmdlog.h"
#include "delta.h"
#include "devstate.h"
#include "err.h"
#include "gw.h"
#include "gw_int.h"
#include "kv.h"
#include "lcd.h"
#include "log.h"
#include "outputs.h"
#include "poller.h"
#include "proto.h"
#include "remote.h"
#include "spool.h"
#include "telnetd.h"
#include "upbatch.h"
#include "uplink.h"

static volatile sig_atomic_t button_pressed;

void gw_button_signal(void)
{
	button_pressed = 1;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

bool gw_restart_wanted(const gw *g)
{
	return g->restart;
}

/* ---- events and batches ---- */

static void event(gw *g, json_t *ev)
{
	if (!ev || json_array_append_new(g->events, ev) != 0)
		log_error("gw: out of memory, event lost");
}

static void ev_simple(gw *g, const char *type, unsigned addr, int64_t ts)
{
	log_info("event %s addr=%u", type, addr);
	if (addr == 0) /* the gateway's own events */
		event(g, json_pack("{s:s,s:I}", "type", type, "ts", (json_int_t)ts));
	else
		event(g, json_pack("{s:s,s:i,s:I}", "type", type, "addr", (int)addr, "ts",
				   (json_int_t)ts));
}

/* Make a batch of what changed (or everything when full) and store it. */
/* Zero marks whose totals after the zero are now on flash: cleared. */
static void clear_zero_marks(gw *g)
{
	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++)
		for (unsigned ch = 1; ch <= GW_CHANNELS; ch++)
			if (g->zmark[a][ch - 1] == ZM_DONE &&
			    spool_zeroing(g->sp, a, ch, false) == AMR_OK)
				g->zmark[a][ch - 1] = ZM_NONE;
}

/* A batch of what changed (or everything when full), stored in the spool.
 * AMR_OK also when there was nothing to store. */
static int make_batch(gw *g, bool full)
{
	json_t *b = upbatch_new(now_s());
	uint64_t seq;
	int rc = AMR_ENOMEM;

	if (!b || delta_take(&g->delta, b, full) < 0)
		goto out_abort;
	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++) {
		struct gw__dev *d = &g->dev[a];

		if (!settings_polled(&g->set, a) || d->st.link == DEVSTATE_UNKNOWN ||
		    !(d->changed || full))
			continue;
		if (upbatch_add_device(b, a, devstate_online(&d->st), d->st.status & UO4_ST_MAINS,
				       d->st.batt_mv, d->out.known ? d->out.coils : NULL) != 0)
			goto out_abort;
	}
	if (json_array_extend(json_object_get(b, "events"), g->events) != 0)
		goto out_abort;
	if (upbatch_empty(b)) {
		delta_abort(&g->delta);
		json_decref(b);
		clear_zero_marks(g);
		return AMR_OK;
	}
	rc = spool_append(g->sp, b, uplink_can_send(g->up), &seq);
	if (rc != AMR_OK) {
		log_warn("gw: batch not stored (%s); its pulses wait for the next",
			 amr_strerror(rc));
		goto out_abort;
	}
	delta_commit(&g->delta);
	clear_zero_marks(g);
	json_array_clear(g->events);
	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++)
		g->dev[a].changed = false;
	log_debug("gw: batch seq=%llu stored, %u pending", (unsigned long long)seq,
		  spool_pending(g->sp));
	json_decref(b);
	uplink_pump(g->up);
	return AMR_OK;

out_abort:
	delta_abort(&g->delta);
	json_decref(b);
	return rc;
}

static void on_batch_timer(void *arg)
{
	gw *g = arg;

	g->batches++;
	make_batch(g, g->o.full_every && g->batches % g->o.full_every == 1);
}

/* ---- field ---- */

static uint32_t u32(const uint16_t *r, unsigned i)
{
	return ((uint32_t)r[i] << 16) | r[i + 1];
}

/* Totals of one answer through the tracker; zero_ch is the input just
 * zeroed by us (0 for none). */
static void take_totals(gw *g, unsigned addr, const uint16_t *regs, unsigned zero_ch)
{
	for (unsigned ch = 1; ch <= GW_CHANNELS; ch++) {
		uint32_t total = u32(regs, UO4_IN_TOTAL_OF(ch)), prev;
		uint32_t period = u32(regs, UO4_IN_PERIOD_OF(ch));
		enum delta_kind k = delta_read(&g->delta, addr, ch, total, period, ch == zero_ch,
					       &prev);

		/* a zero that may have happened unseen: this read told */
		if (g->zmark[addr][ch - 1] == ZM_WAIT && !delta_zeroing(&g->delta, addr, ch))
			g->zmark[addr][ch - 1] = ZM_DONE;

		if (k == DELTA_DECREASED || k == DELTA_ZEROED) {
			const char *type = proto_event_name(k == DELTA_ZEROED
								    ? PROTO_EV_COUNTER_ZEROED
								    : PROTO_EV_COUNTER_DECREASED);

			log_info("event %s addr=%u ch=%u from %u to %u", type, addr, ch, prev,
				 total);
			event(g, json_pack("{s:s,s:i,s:i,s:I,s:I,s:I}", "type", type, "addr",
					   (int)addr, "ch", (int)ch, "ts", (json_int_t)now_s(),
					   "from", (json_int_t)prev, "total", (json_int_t)total));
		}
	}
}

/* A poll of addr through its device state: events, batch entry, coils. */
static void take_poll(gw *g, unsigned addr, const struct devstate_poll *p)
{
	struct gw__dev *d = &g->dev[addr];
	struct devstate_now now = { loop_now_ms(), now_s() };
	struct devstate_out out;

	d->st = devstate_next(&d->st, p, now, (uint64_t)g->set.rs485_timeout * 1000, &out);
	for (unsigned i = 0; i < out.n; i++)
		ev_simple(g, devstate_event_name(out.ev[i].type), addr, out.ev[i].ts);
	if (out.changed)
		d->changed = true;
	if (out.want_coils)
		poller_want_coils(g->poll, addr);
}

static void device_answered(gw *g, unsigned addr, const uint16_t *regs)
{
	struct devstate_poll p = { true, regs[UO4_IN_STATUS], regs[UO4_IN_BATTERY] };

	take_poll(g, addr, &p);
	take_totals(g, addr, regs, 0);
}

/*
 * Coils read from addr: an output_changed event for each output whose state
 * differs from the one known (none for the first read, nor for skip, the
 * output whose event the caller sends itself), and the device goes into
 * the next batch when anything became known or changed.
 */
static void take_coils(gw *g, unsigned addr, const uint8_t coils[UO4_OUTPUTS], unsigned skip)
{
	struct gw__dev *d = &g->dev[addr];
	int64_t ts = now_s();
	unsigned changed;
	bool first;

	if (!settings_polled(&g->set, addr))
		return; /* a device outside the poll list has no state here */
	changed = outputs_take(&d->out, coils, &first);
	for (unsigned out = 1; out <= OUTPUTS_N; out++) {
		if (!(changed & (1u << (out - 1))) || out == skip)
			continue;
		log_info("event output_changed addr=%u out=%u blocked=%u (read)", addr, out,
			 d->out.coils[out - 1]);
		event(g,
		      json_pack("{s:s,s:i,s:i,s:b,s:I}", "type",
				proto_event_name(PROTO_EV_OUTPUT_CHANGED), "addr", (int)addr, "out",
				(int)out, "blocked", d->out.coils[out - 1], "ts", (json_int_t)ts));
	}
	if (first || changed)
		d->changed = true;
}

static void device_silent(gw *g, unsigned addr)
{
	take_poll(g, addr, &(struct devstate_poll){ .ok = false });
}

struct gw__pending_cmd *gw__find_cmd(gw *g, uint64_t cookie)
{
	for (int i = 0; i < GW__MAX_PENDING_CMDS; i++)
		if (g->cmds[i].cookie == cookie)
			return &g->cmds[i];
	return NULL;
}

/* Whether the zero of ch on addr happened is for the next read to tell. */
static void zero_unsure(gw *g, unsigned addr, unsigned ch)
{
	delta_set_zeroing(&g->delta, addr, ch);
	g->zmark[addr][ch - 1] = ZM_WAIT;
}

/*
 * A zero's first step read the totals (PCMD_READ): store the pulses up to
 * them and the zero's mark, both synced, before the zero is written. A
 * gateway that dies after the zero then finds the mark on flash and takes
 * the total it reads, below the baseline, as counted from the zero
 * (docs/gateway.md, "Counters that go down"). Returns NULL when the zero
 * goes on, else the reason it cannot.
 */
static const char *zero_ready(gw *g, const struct poll_result *r)
{
	struct poller_cmd z = r->cmd;
	uint8_t *mark = &g->zmark[r->addr][z.ch - 1];

	device_answered(g, r->addr, r->regs);
	if (make_batch(g, false) != AMR_OK)
		return "the pulses before the zero could not be stored";
	if (*mark == ZM_NONE && spool_zeroing(g->sp, r->addr, z.ch, true) != AMR_OK)
		return "the zero could not be marked on flash";
	*mark = ZM_ZEROING;
	z.kind = PCMD_ZERO;
	if (poller_submit(g->poll, &z) != AMR_OK) {
		zero_unsure(g, r->addr, z.ch); /* not written: the next read says so */
		return "the RS-485 queue is full";
	}
	return NULL;
}

static void command_done(gw *g, const struct poll_result *r)
{
	struct gw__pending_cmd *pc = gw__find_cmd(g, r->cmd.cookie), done;
	const char *why;
	char text[200];
	int64_t ts = now_s();

	if (!pc)
		return;
	if (r->ok && r->cmd.kind == PCMD_READ) {
		if (!(why = zero_ready(g, r)))
			return; /* the zero itself is under way, same cookie */
		snprintf(text, sizeof text, "Error: %s\r\n", why);
		done = *pc;
		pc->cookie = 0;
		done.done(done.arg, false, text);
		return;
	}
	done = *pc;
	pc->cookie = 0;
	if (!r->ok) {
		/* A block read back in another state: the coils still tell. */
		if (r->cmd.kind == PCMD_OUTPUT && r->has_coils)
			take_coils(g, r->addr, r->coils, 0);
		/* a zero written but not answered may have been done */
		if (r->cmd.kind == PCMD_ZERO)
			zero_unsure(g, r->addr, r->cmd.ch);
		snprintf(text, sizeof text, "Error: %s\r\n", r->error);
		done.done(done.arg, false, text);
		return;
	}
	switch (r->cmd.kind) {
	case PCMD_READ: /* a zero's first step: zero_ready() above */
		break;
	case PCMD_ZERO:
		device_answered(g, r->addr, r->regs);
		if (r->has_after) {
			take_totals(g, r->addr, r->regs_after, r->cmd.ch);
			g->zmark[r->addr][r->cmd.ch - 1] = ZM_DONE;
		} else {
			zero_unsure(g, r->addr, r->cmd.ch);
		}
		/* Store at once: the device no longer holds the old count. */
		make_batch(g, false);
		snprintf(text, sizeof text, "Counter %u of device %03u zeroed (was %u)\r\n",
			 r->cmd.ch, r->addr, u32(r->regs, UO4_IN_TOTAL_OF(r->cmd.ch)));
		break;
	case PCMD_CHADDR:
		device_answered(g, r->addr, r->regs);
		event(g, json_pack("{s:s,s:i,s:i,s:I}", "type",
				   proto_event_name(PROTO_EV_ADDRESS_CHANGED), "addr",
				   (int)r->cmd.to, "from", (int)r->addr, "ts", (json_int_t)ts));
		make_batch(g, false);
		if (spool_forget(g->sp, r->addr) != AMR_OK)
			log_error("gw: baselines of %u not forgotten", r->addr);
		delta_forget(&g->delta, r->addr);
		memset(g->zmark[r->addr], 0, sizeof g->zmark[r->addr]); /* spool_forget's */
		g->dev[r->addr] = (struct gw__dev){ 0 };
		settings_poll_set(&g->set, r->addr, false);
		settings_poll_set(&g->set, r->cmd.to, true);
		poller_set_list(g->poll, g->set.poll);
		snprintf(text, sizeof text, "Address %03u changed to %03u\r\n", r->addr, r->cmd.to);
		break;
	case PCMD_OUTPUT:
		/* r->ok: the coils were read back and the output is as asked. */
		take_coils(g, r->addr, r->coils, r->cmd.out);
		event(g, json_pack("{s:s,s:i,s:i,s:b,s:I}", "type",
				   proto_event_name(PROTO_EV_OUTPUT_CHANGED), "addr", (int)r->addr,
				   "out", (int)r->cmd.out, "blocked", r->cmd.on, "ts",
				   (json_int_t)ts));
		make_batch(g, false);
		snprintf(text, sizeof text, "Output %u of device %03u %s\r\n", r->cmd.out, r->addr,
			 r->cmd.on ? "blocked" : "released");
		break;
	}
	log_info("gw: %s", text);
	done.done(done.arg, true, text);
}

/* A device the round robin may read the coils of: polled and responding. */
static bool coils_due(void *ctx, unsigned addr)
{
	gw *g = ctx;

	return settings_polled(&g->set, addr) && devstate_online(&g->dev[addr].st);
}

static void on_poll(void *ctx, const struct poll_result *r)
{
	gw *g = ctx;
	unsigned a;

	switch (r->kind) {
	case PRES_READ:
		if (!settings_polled(&g->set, r->addr))
			return; /* removed from the list meanwhile */
		if (r->ok)
			device_answered(g, r->addr, r->regs);
		else
			device_silent(g, r->addr);
		if (r->ok && r->has_coils)
			take_coils(g, r->addr, r->coils, 0);
		break;
	case PRES_CMD:
		command_done(g, r);
		break;
	case PRES_CYCLE:
		g->cycle_ms = r->cycle_ms;
		g->cycles++;
		/* One device's coils per cycle: a change made by someone else
		 * is seen within a few cycles without slowing the cycle. */
		if ((a = outputs_next(&g->coils_rr, coils_due, g)))
			poller_want_coils(g->poll, a);
		log_debug("poller: cycle of %u devices (%u answered) in %llu ms", r->devices,
			  r->answered, (unsigned long long)r->cycle_ms);
		break;
	case PRES_BUS:
		if (r->ok != g->bus_ok && !r->ok)
			log_warn("poller: %s", r->error);
		g->bus_ok = r->ok;
		break;
	}
}

/* ---- display and status ---- */

static unsigned responding(const gw *g)
{
	unsigned n = 0;

	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++)
		n += settings_polled(&g->set, a) && devstate_online(&g->dev[a].st);
	return n;
}

void gw__lcd_lines(gw *g, char l1[13], char l2[13])
{
	struct lcd_input in = {
		.polled = settings_poll_count(&g->set),
		.responding = responding(g),
		.server = uplink_connected(g->up),
	};

	memcpy(in.ip, g->set.dev, 4);
	lcd_render(&in, g->screen, l1, l2);
}

static void publish_status(gw *g, bool force)
{
	char l1[13], l2[13], ip[16];
	json_t *st;

	gw__lcd_lines(g, l1, l2);
	st = json_pack("{s:b,s:s,s:s,s:{s:i,s:i},s:{s:i,s:i},s:[s,s]}", "online", 1, "fw", g->o.fw,
		       "ip", settings_ip_format(g->set.dev, ip), "devices", "polled",
		       (int)settings_poll_count(&g->set), "responding", (int)responding(g), "spool",
		       "pending", (int)spool_pending(g->sp), "capacity", (int)spool_capacity(g->sp),
		       "lcd", l1, l2);
	if (!st) {
		log_error("gw: out of memory for the status");
		return;
	}
	uplink_status(g->up, st, force);
	json_decref(st);
}

static void on_tick(void *arg)
{
	gw *g = arg;
	uint64_t now = loop_now_ms();

	if (button_pressed) {
		button_pressed = 0;
		g->ops.lcd_button(g);
	}
	if (g->screen && now - g->screen_since >= GW__LCD_IP_SCREEN_S * 1000)
		g->screen = 0;
	publish_status(g, false);
}

static void on_connect(void *ctx)
{
	publish_status(ctx, true);
}

static void stop_now(void *arg)
{
	gw *g = arg;

	g->restart_timer = 0;
	loop_stop(g->l);
}

#define CONSOLE_AUDIT_LINE 64 /* bytes of a line an event carries (ingest's bound) */

/* A change typed on the console goes into the next batch as an event, so
 * that it travels with the gateway's durable spool and ingest relays it to
 * the audit trail (docs/gateway.md, "Console audit"). */
static void console_audit(void *ctx, const char *peer, const char *line)
{
	gw *g = ctx;
	size_t n = strlen(line) < CONSOLE_AUDIT_LINE ? strlen(line) : CONSOLE_AUDIT_LINE;

	log_info("console: %s typed \"%s\"", peer, line);
	event(g, json_pack("{s:s,s:I,s:s,s:s%}", "type", proto_event_name(PROTO_EV_CONSOLE_ACTION),
			   "ts", (json_int_t)now_s(), "peer", peer, "line", line, n));
}

/* Answers went out; give the broker a moment to take them, then stop. */
static void restart_soon(void *ctx)
{
	gw *g = ctx;

	if (g->restart)
		return;
	/* the events of this session (its console audit) into the spool first */
	make_batch(g, false);
	g->restart = true;
	log_info("gw: restarting on request");
	g->restart_timer = loop_timer_add(g->l, 500, false, stop_now, g);
	if (!g->restart_timer) {
		/* The answers may not all reach the broker; a restart that never
		 * comes would be worse. */
		log_warn("gw: no timer for the restart (out of memory); restarting now");
		loop_stop(g->l);
	}
}

static int publish_result(void *ctx, const json_t *answer)
{
	gw *g = ctx;

	return uplink_result(g->up, answer);
}

static void on_cmd(void *ctx, const struct mq_msg *m)
{
	gw *g = ctx;

	remote_handle(g->rem, m->payload, m->len);
}

/* ---- life ---- */

static void load_base(void *ctx, unsigned addr, unsigned ch, uint32_t total)
{
	delta_set_base(ctx, addr, ch, total);
}

/* A zero under way when the gateway stopped: did it happen? The next read
 * tells (zero_ready). */
static void load_zero(void *ctx, unsigned addr, unsigned ch)
{
	gw *g = ctx;

	if (addr >= GW_ADDR_MIN && addr <= GW_ADDR_MAX && ch >= 1 && ch <= GW_CHANNELS) {
		log_info("gw: a zero of input %u of device %03u was under way", ch, addr);
		zero_unsure(g, addr, ch);
	}
}

/* The flash: settings, then the spool, whose new batches belong to the
 * object number the settings give. */
static int open_store(gw *g)
{
	char path[600];
	int rc;

	if (mkdir(g->o.data_dir, 0750) != 0 && errno != EEXIST) {
		log_error("gw: cannot create %s: %s", g->o.data_dir, strerror(errno));
		return AMR_EIO;
	}
	snprintf(g->settings_path, sizeof g->settings_path, "%s/settings", g->o.data_dir);
	rc = settings_load(&g->set, g->settings_path);
	if (rc == AMR_OK)
		log_info("gw: settings from %s", g->settings_path);
	else if (rc != AMR_ENOTFOUND)
		return rc;
	snprintf(path, sizeof path, "%s/spool", g->o.data_dir);
	if ((rc = kv_open(&g->kv, path, &(struct kv_opts){ .map_size = 4u << 20, .max_dbs = 8 })) !=
	    AMR_OK)
		return rc;
	if ((rc = spool_open(&g->sp, g->kv, g->o.spool_size, g->set.objnum)) != AMR_OK ||
	    (rc = cmdlog_open(&g->clog, g->kv, 1000)) != AMR_OK)
		return rc;
	if ((rc = spool_baselines(g->sp, load_base, &g->delta)) != AMR_OK)
		return rc;
	return spool_zeroings(g->sp, load_zero, g);
}

int gw_create(gw **out, loop *l, const struct gw_opts *o)
{
	gw *g = calloc(1, sizeof *g);
	int rc;

	if (!g)
		return AMR_ENOMEM;
	g->o = *o;
	g->l = l;
	gw__console_ops_init(g);
	delta_init(&g->delta);
	if (!(g->events = json_array())) {
		rc = AMR_ENOMEM;
		goto out_fail;
	}
	if ((rc = settings_factory(&g->set, &o->defaults)) != AMR_OK) {
		log_error("gw: bad poll list \"%s\"", o->defaults.poll);
		goto out_fail;
	}
	if ((rc = open_store(g)) != AMR_OK)
		goto out_fail;
	{
		struct poller_opts po = { o->serial, o->baud, o->reply_ms, o->poll_interval_ms, l,
					  on_poll,   g };
		struct uplink_opts uo = {
			.l = l,
			.sp = g->sp,
			.host = g->set.serv[0] ? g->set.serv : o->mqtt_host,
			.port = g->set.port ? (int)g->set.port : o->mqtt_port,
			.user = o->mqtt_user,
			.password = o->mqtt_password,
			.cafile = o->mqtt_cafile,
			.obj = g->set.objnum,
			.window = o->window,
			.resend_s = o->resend_s,
			.on_cmd = on_cmd,
			.on_connect = on_connect,
			.ctx = g,
		};
		struct telnetd_opts to = {
			l,	 o->console_bind,  o->console_port, o->console_password,
			&g->set, &g->ops,	   restart_soon,    console_audit,
			g,	 o->console_idle_s
		};
		struct remote_opts ro = { g->clog,	&g->set, &g->ops, publish_result,
					  restart_soon, now_s,	 g };

		if ((rc = remote_create(&g->rem, &ro)) != AMR_OK ||
		    (rc = poller_create(&g->poll, &po)) != AMR_OK ||
		    (rc = uplink_create(&g->up, &uo)) != AMR_OK ||
		    (rc = telnetd_create(&g->tel, &to)) != AMR_OK)
			goto out_fail;
	}
	poller_set_list(g->poll, g->set.poll);
	ev_simple(g, proto_event_name(PROTO_EV_GATEWAY_BOOT), 0, now_s());
	g->batch_timer = loop_timer_add(l, o->batch_s * 1000, true, on_batch_timer, g);
	g->tick_timer = loop_timer_add(l, 1000, true, on_tick, g);
	if (!g->batch_timer || !g->tick_timer) {
		/* Without them no batch would ever be made, or no status sent. */
		log_error("gw: no timer for the %s (out of memory)",
			  g->batch_timer ? "status" : "batches");
		rc = AMR_ENOMEM;
		goto out_fail;
	}
	log_info("gw: object %u, %u addresses polled on %s, console on %s:%d", g->set.objnum,
		 settings_poll_count(&g->set), o->serial, o->console_bind, o->console_port);
	*out = g;
	return AMR_OK;

out_fail:
	gw_destroy(g);
	return rc;
}

void gw_destroy(gw *g)
{
	if (!g)
		return;
	if (g->batch_timer)
		loop_timer_cancel(g->l, g->batch_timer);
	if (g->tick_timer)
		loop_timer_cancel(g->l, g->tick_timer);
	if (g->restart_timer)
		loop_timer_cancel(g->l, g->restart_timer);
	telnetd_destroy(g->tel);
	poller_destroy(g->poll);
	/* What was read but not stored stays on the devices: the next start
	 * counts it again from the baselines on flash. */
	uplink_destroy(g->up);
	remote_destroy(g->rem);
	cmdlog_close(g->clog);
	spool_close(g->sp);
	kv_close(g->kv);
	json_decref(g->events);
	free(g);
}
