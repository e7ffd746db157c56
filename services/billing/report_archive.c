/*
 * report_archive.c - the reports the archives answer: the consumption of
 * an account or a group over a span by hour, day or month
 * (archive/series of every channel assigned to the premises' service),
 * and the distribution of a resource among a building's premises
 * (archive/consumption). The records are read in one read transaction
 * into a plan of requests; the requests go out at once (archcl.h) and the
 * report is answered once every archive has answered. Quantities are
 * added exactly (money_qty), shares split by the largest remainder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reportint.h"
#include "odn.h"
#include "tzone.h"

#define SERIES_CHANNELS 100 /* channels in one archive/consumption request */

/* One archive request: a channel (or several) over a span. */
struct ask {
	struct report__job *job;
	int src;	  /* the source asked */
	int64_t from, to; /* the span, UTC */
	size_t first, n;  /* its channels: job->chans[first .. first+n) */
};

void report__job_free(struct report__job *j)
{
	if (!j)
		return;
	json_decref(j->args);
	json_decref(j->table);
	json_decref(j->sums);
	free(j->chans);
	free(j);
}

void report__jobs_stop(report *r)
{
	while (r->jobs) {
		struct report__job *j = r->jobs;

		r->jobs = j->next;
		rpc_reply_err(j->req, "shutdown", "amr-billing is stopping");
		j->req = NULL;
		j->r = NULL; /* freed by its last answer */
	}
}

static void unlink_job(struct report__job *j)
{
	for (struct report__job **p = &j->r->jobs; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			return;
		}
}

/* Every archive has answered: the table made and the request answered. */
static void job_finish(struct report__job *j)
{
	struct jv_err err = { "" };
	int rc = 0;

	if (!j->r) { /* the module stopped: the request was answered then */
		report__job_free(j);
		return;
	}
	unlink_job(j);
	if (j->error[0])
		rc = AMR_ETIMEDOUT;
	else
		rc = j->finish(j, &err);
	report__count(j->r, j->kind, rc == 0);
	if (!rc && !strcmp(j->format, "json")) {
		rpc_reply_ok(j->req, json_incref(j->table));
	} else if (!rc &&
		   !report__file(j->r, j->req, j->kind, j->table, j->args, j->format, &err)) {
		;
	} else if (j->error[0]) {
		rpc_reply_rc(j->req, AMR_ETIMEDOUT, "%s", j->error);
	} else {
		rpc_reply_rc(j->req, rc ? rc : AMR_EIO, "%s",
			     err.msg[0] ? err.msg : "report failed");
	}
	report__job_free(j);
}

static void on_answer(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct ask *a = ctx;
	struct report__job *j = a->job;

	if (!err && j->r && !j->error[0] && j->answer(j, a->first, a->n, result))
		snprintf(j->error, sizeof j->error,
			 "source \"%s\": its archive's answer does not fit the request",
			 archcl_name(j->r->a, a->src));
	else if (err && j->r && !j->error[0])
		snprintf(j->error, sizeof j->error, "source \"%s\": archive/%s: %s: %s",
			 archcl_name(j->r->a, a->src), j->method, code ? code : "error",
			 message ? message : "");
	free(a);
	if (!--j->calls)
		job_finish(j);
}

/* Send one request for channels [first, first+n) of the same span. */
static void ask_send(struct report__job *j, size_t first, size_t n)
{
	const struct report__chan *c = &j->chans[first];
	struct ask *a = malloc(sizeof *a);
	json_t *args;

	if (!a) {
		snprintf(j->error, sizeof j->error, "out of memory");
		return;
	}
	*a = (struct ask){ j, c->src, c->from, c->to, first, n };
	if (!strcmp(j->method, "series")) {
		args = json_pack("{s:s, s:I, s:I, s:s, s:s}", "channel", c->channel, "from",
				 (json_int_t)c->from, "to", (json_int_t)c->to, "step", j->step,
				 "tz", tzone_rules_name(j->tz));
	} else {
		json_t *chans = json_array();

		for (size_t i = 0; chans && i < n; i++)
			json_array_append_new(chans, json_string(c[i].channel));
		args = json_pack("{s:o, s:I, s:I}", "channels", chans, "from", (json_int_t)c->from,
				 "to", (json_int_t)c->to);
	}
	j->calls++;
	if (!args || archcl_call(j->r->a, c->src, j->method, args, on_answer, a)) {
		j->calls--;
		free(a);
		snprintf(j->error, sizeof j->error, "source \"%s\": cannot ask its archive",
			 archcl_name(j->r->a, c->src));
	}
}

/* Channels of the same source and span, in the order planned, go in one
 * archive/consumption request (up to SERIES_CHANNELS); a series is one
 * channel a request. */
int report__jobs_start(struct report__job *j)
{
	size_t i = 0;

	j->calls = 1; /* held while sending, so an answer cannot finish it early */
	j->next = j->r->jobs;
	j->r->jobs = j;
	while (i < j->nchans && !j->error[0]) {
		size_t n = 1;

		while (strcmp(j->method, "series") && i + n < j->nchans && n < SERIES_CHANNELS &&
		       j->chans[i + n].src == j->chans[i].src &&
		       j->chans[i + n].from == j->chans[i].from &&
		       j->chans[i + n].to == j->chans[i].to)
			n++;
		ask_send(j, i, n);
		i += n;
	}
	if (!--j->calls)
		job_finish(j);
	return AMR_OK;
}

int report__chan_add(struct report__job *j, int src, const char *channel, int64_t from, int64_t to,
		     size_t owner)
{
	if (j->nchans == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 16;
		struct report__chan *c = realloc(j->chans, cap * sizeof *c);

		if (!c)
			return AMR_ENOMEM;
		j->chans = c;
		j->cap = cap;
	}
	j->chans[j->nchans] = (struct report__chan){ src, "", from, to, owner };
	snprintf(j->chans[j->nchans].channel, sizeof j->chans[j->nchans].channel, "%s", channel);
	j->nchans++;
	return AMR_OK;
}

int report__add_qty(json_t *sums, const char *key, int64_t t, const char *quantity)
{
	struct money_qty q, old = { 0, 0 }, sum;
	json_t *o = json_object_get(sums, key);

	if (report__qty_parse(quantity, &q))
		return AMR_EINVAL;
	if (o)
		old = (struct money_qty){ json_integer_value(json_object_get(o, "v")),
					  (int)json_integer_value(json_object_get(o, "dec")) };
	if (money_qty_add(&old, &q, &sum))
		return AMR_EINVAL;
	if (!o) {
		if (!(o = json_pack("{s:I}", "t", (json_int_t)t)) ||
		    json_object_set_new(sums, key, o))
			return AMR_ENOMEM;
	}
	return json_object_set_new(o, "v", json_integer(sum.v)) ||
			       json_object_set_new(o, "dec", json_integer(sum.dec))
		       ? AMR_ENOMEM
		       : AMR_OK;
}
