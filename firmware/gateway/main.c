/*
 * amr-gateway - the "Tochka-E" gateway daemon: RS-485 master of the UO-4
 * devices, durable spool, MQTT uplink and Telnet console.
 *
 * main only wires: options, logging, the loop, the gateway; "reset" on the
 * console stops the loop and the process executes itself again.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "gw.h"
#include "log.h"
#include "loop.h"
#include "proto.h"
#include "svc.h"

#define GW_VERSION "1.0.0"

static struct {
	long long obj, baud, reply_ms, poll_interval_ms, rs485_timeout, batch_s;
	long long full_every, spool_size, window, resend_s, console_port, console_idle;
	const char *serial, *poll, *data_dir, *console_bind, *console_password;
	struct config_common common;
} opt;

static const struct config_opt options[] = {
	{ "obj", "AMR_GW_OBJ", CONFIG_INT, "1", 1, PROTO_OBJ_MAX,
	  "object number (factory value; \"objnum=\" on the console overrides)", &opt.obj, NULL },
	{ "serial", "AMR_GW_SERIAL", CONFIG_STR, "/dev/ttyS1", 1, 400,
	  "RS-485 serial device (amr-sim's --bus link in a simulation)", &opt.serial, NULL },
	{ "baud", "AMR_GW_BAUD", CONFIG_INT, "9600", 1200, 115200, "RS-485 line speed, 8N1",
	  &opt.baud, NULL },
	{ "reply-ms", "AMR_GW_REPLY_MS", CONFIG_INT, "200", 20, 5000,
	  "wait this long for a device to start answering", &opt.reply_ms, NULL },
	{ "poll-interval-ms", "AMR_GW_POLL_INTERVAL_MS", CONFIG_INT, "1000", 0, 600000,
	  "least time from the start of one poll cycle to the next", &opt.poll_interval_ms, NULL },
	{ "poll", "AMR_GW_POLL", CONFIG_STR, "", 0, 400,
	  "factory poll list, e.g. 1-32,40 (\"add addr=\" on the console overrides)", &opt.poll,
	  NULL },
	{ "rs485-timeout", "AMR_GW_RS485_TIMEOUT", CONFIG_INT, "5", 1, 240,
	  "factory RS485 timeout, s: silence before a device is \"not responding\"",
	  &opt.rs485_timeout, NULL },
	{ "batch-interval", "AMR_GW_BATCH_INTERVAL", CONFIG_INT, "10", 1, 3600,
	  "seconds between telemetry batches", &opt.batch_s, NULL },
	{ "full-every", "AMR_GW_FULL_EVERY", CONFIG_INT, "6", 0, 100000,
	  "every n-th batch carries every total and device (0: never)", &opt.full_every, NULL },
	{ "spool-size", "AMR_GW_SPOOL_SIZE", CONFIG_INT, "10000", 8, 10000000,
	  "batches kept until acknowledged; when full the oldest unsent are merged",
	  &opt.spool_size, NULL },
	{ "window", "AMR_GW_WINDOW", CONFIG_INT, "100", 1, 100000,
	  "unacknowledged batches in flight (at most half the spool)", &opt.window, NULL },
	{ "resend", "AMR_GW_RESEND", CONFIG_INT, "30", 1, 3600,
	  "seconds without an ack before unacknowledged batches go out again", &opt.resend_s,
	  NULL },
	{ "data-dir", "AMR_GW_DATA_DIR", CONFIG_STR, NULL, 1, 400,
	  "flash directory (default $AMR_DATA_DIR/gateway-OBJ, else ./var/gateway-OBJ)",
	  &opt.data_dir, NULL },
	{ "console-port", "AMR_CONSOLE_PORT", CONFIG_INT, "2323", 1, 65535, "Telnet console port",
	  &opt.console_port, NULL },
	{ "console-bind", "AMR_CONSOLE_BIND", CONFIG_STR, "127.0.0.1", 7, 15,
	  "Telnet console address", &opt.console_bind, NULL },
	{ "console-password", "AMR_CONSOLE_PASSWORD", CONFIG_STR, NULL, 1, 64,
	  "console password (unset: none)", &opt.console_password, NULL },
	{ "console-idle", "AMR_CONSOLE_IDLE", CONFIG_INT, "300", 2, 86400,
	  "seconds without a typed line before a console session is closed", &opt.console_idle,
	  NULL },
	CONFIG_COMMON_ROWS(&opt.common),
};

static void on_usr1(int sig)
{
	(void)sig;
	gw_button_signal();
}

int main(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 1, sizeof *args);
	char data_dir[512];
	struct gw_opts go;
	loop *l = NULL;
	gw *g = NULL;
	bool restart = false;
	int rc;

	if (!args)
		return 1;
	memcpy(args, argv, (size_t)argc * sizeof *args);
	rc = config_parse(options, sizeof options / sizeof options[0], argc, argv,
			  "Gateway daemon: polls UO-4 devices over RS-485, spools and "
			  "publishes telemetry over MQTT, Telnet console.",
			  NULL);
	if (rc) {
		free(args);
		return rc == CONFIG_HELP ? 0 : 2;
	}
	log_init("amr-gateway", log_level_parse(opt.common.log_level));
	if (opt.data_dir) {
		snprintf(data_dir, sizeof data_dir, "%s", opt.data_dir);
	} else {
		char leaf[32];

		snprintf(leaf, sizeof leaf, "gateway-%lld", opt.obj);
		if (svc_data_dir(data_dir, sizeof data_dir, leaf)) {
			free(args);
			return 1;
		}
	}
	if (opt.window * 2 > opt.spool_size)
		opt.window = opt.spool_size / 2;
	go = (struct gw_opts){
		.defaults = { (unsigned)opt.obj, (unsigned)opt.rs485_timeout, opt.poll },
		.serial = opt.serial,
		.baud = (int)opt.baud,
		.reply_ms = (unsigned)opt.reply_ms,
		.poll_interval_ms = (unsigned)opt.poll_interval_ms,
		.batch_s = (unsigned)opt.batch_s,
		.full_every = (unsigned)opt.full_every,
		.spool_size = (unsigned)opt.spool_size,
		.window = (unsigned)opt.window,
		.resend_s = (unsigned)opt.resend_s,
		.data_dir = data_dir,
		.mqtt_host = opt.common.mqtt_host,
		.mqtt_port = (int)opt.common.mqtt_port,
		.mqtt_user = opt.common.mqtt_user,
		.mqtt_password = opt.common.mqtt_password,
		.mqtt_cafile = opt.common.mqtt_cafile,
		.console_bind = opt.console_bind,
		.console_port = (int)opt.console_port,
		.console_password = opt.console_password,
		.console_idle_s = (unsigned)opt.console_idle,
		.fw = GW_VERSION,
	};
	if ((rc = loop_create(&l)) != AMR_OK)
		goto out;
	loop_stop_on_signals(l);
	signal(SIGUSR1, on_usr1);
	if ((rc = gw_create(&g, l, &go)) != AMR_OK) {
		log_error("not started: %s", amr_strerror(rc));
		goto out;
	}
	rc = loop_run(l);
	restart = gw_restart_wanted(g);
out:
	gw_destroy(g);
	loop_destroy(l);
	if (restart) {
		log_info("restarting");
		execv("/proc/self/exe", args);
		log_error("cannot execute myself again: restart by hand");
		rc = AMR_EIO;
	}
	free(args);
	return rc == AMR_OK ? 0 : 1;
}
