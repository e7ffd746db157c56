#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jv.h"
#include "proto.h"
#include "log.h"
#include "remote.h"

struct remote {
	struct remote_opts o;
};

/* A command waiting for its device. */
struct waiting {
	remote *r;
	char id[65]; /* the command's id */
};

static const char *const kinds[] = { "block", "unblock", "zero", "console", NULL };
enum {
	K_BLOCK,
	K_UNBLOCK,
	K_ZERO,
	K_CONSOLE
};

int remote_create(remote **out, const struct remote_opts *o)
{
	remote *r = calloc(1, sizeof *r);

	if (!r)
		return AMR_ENOMEM;
	r->o = *o;
	*out = r;
	return AMR_OK;
}

void remote_destroy(remote *r)
{
	free(r);
}

/* "\r\n" -> "\n", without the last line end. */
static void plain(const char *text, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *p = text; *p && n + 1 < len; p++)
		if (*p != '\r')
			buf[n++] = *p;
	while (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

/* Build, record and publish the answer of id. */
static void answer(remote *r, const char *id, bool ok, const char *text)
{
	char clean[8192], *dumped;
	json_t *a;

	plain(text, clean, sizeof clean);
	a = ok ? json_pack("{s:s,s:b,s:s}", "id", id, "ok", 1, "output", clean)
	       : json_pack("{s:s,s:b,s:s}", "id", id, "ok", 0, "error", clean);
	if (!a) {
		log_error("remote: out of memory answering %s", id);
		return;
	}
	dumped = json_dumps(a, JSON_COMPACT);
	if (!dumped || cmdlog_put(r->o.log, id, dumped) != AMR_OK)
		log_error("remote: answer of %s not recorded", id);
	free(dumped);
	log_info("remote: id=%s ok=%d %s", id, ok, clean);
	if (r->o.publish(r->o.ctx, a) != AMR_OK)
		log_warn("remote: answer of %s not published", id);
	json_decref(a);
}

static void on_done(void *arg, bool ok, const char *text)
{
	struct waiting *w = arg;

	answer(w->r, w->id, ok, text);
	free(w);
}

static void execute(remote *r, const char *id, const char *line)
{
	static char out[8192];
	struct waiting *w = calloc(1, sizeof *w);
	enum console_result cr;

	if (!w) {
		answer(r, id, false, "out of memory");
		return;
	}
	w->r = r;
	snprintf(w->id, sizeof w->id, "%s", id);
	cr = console_run(r->o.settings, r->o.ops, line, out, sizeof out, on_done, w);
	if (cr == CONSOLE_PENDING)
		return;
	free(w);
	answer(r, id, cr != CONSOLE_ERROR, out);
	if (cr == CONSOLE_RESTART)
		r->o.restart(r->o.ctx);
}

void remote_handle(remote *r, const char *payload, size_t len)
{
	static const char *const fields[] = { "id", "cmd",  "addr",    "out",
					      "ch", "line", "expires", NULL };
	struct jv_err err = { "" };
	json_t *j = jv_parse_object(payload, len, &err);
	const char *id = NULL, *line = NULL;
	long long addr = 0, out = 0, ch = 0, expires = 0;
	char cmdtext[160], *prior = NULL;
	int kind = 0;

	if (!j) {
		log_warn("remote: command dropped, no id to answer: %s", err.msg);
		return;
	}
	if (jv_str(j, "id", true, NULL, 1, 64, &id, &err) != AMR_OK) {
		log_warn("remote: command dropped, no id to answer: %s", err.msg);
		goto out;
	}
	/* Seen before: the same answer again, never a second execution. */
	switch (cmdlog_get(r->o.log, id, &prior)) {
	case AMR_OK:
		if (strcmp(prior, CMDLOG_STARTED) == 0) {
			answer(r, id, false, "interrupted by a gateway restart; check the device");
		} else {
			json_t *a = json_loads(prior, 0, NULL);

			log_info("remote: id=%s already executed, answer repeated", id);
			if (a && r->o.publish(r->o.ctx, a) != AMR_OK)
				log_warn("remote: answer of %s not published", id);
			json_decref(a);
		}
		free(prior);
		goto out;
	case AMR_ENOTFOUND:
		break;
	default:
		answer(r, id, false, "command log unreadable");
		goto out;
	}
	if (jv_only(j, fields, &err) != AMR_OK ||
	    jv_enum(j, "cmd", true, 0, kinds, &kind, &err) != AMR_OK ||
	    jv_int(j, "expires", false, 0, 0, (long long)1 << 40, &expires, &err) != AMR_OK) {
		answer(r, id, false, err.msg);
		goto out;
	}
	if (expires && expires < r->o.now()) {
		answer(r, id, false, "expired");
		goto out;
	}
	if (kind == K_CONSOLE) {
		if (jv_str(j, "line", true, NULL, 0, PROTO_CONSOLE_LINE_MAX, &line, &err) !=
		    AMR_OK) {
			answer(r, id, false, err.msg);
			goto out;
		}
		snprintf(cmdtext, sizeof cmdtext, "%s", line);
	} else {
		const char *key = kind == K_ZERO ? "ch" : "out";

		if (jv_int(j, "addr", true, 0, 1, 127, &addr, &err) != AMR_OK ||
		    jv_int(j, key, true, 0, 1, 4, kind == K_ZERO ? &ch : &out, &err) != AMR_OK) {
			answer(r, id, false, err.msg);
			goto out;
		}
		if (kind == K_ZERO)
			snprintf(cmdtext, sizeof cmdtext, "zero ch=%lld addr=%lld", ch, addr);
		else
			snprintf(cmdtext, sizeof cmdtext, "%s addr=%lld out=%lld", kinds[kind],
				 addr, out);
	}
	if (cmdlog_put(r->o.log, id, CMDLOG_STARTED) != AMR_OK) {
		answer(r, id, false, "command log not writable");
		goto out;
	}
	log_info("remote: id=%s running \"%s\"", id, cmdtext);
	execute(r, id, cmdtext);
out:
	json_decref(j);
}
