/*
 * methods.c - the archive's RPC methods over the readings: latest values (in
 * pages), series, consumption and zones, hot backup and retention, and
 * what every RPC file shares (methods_int.h). The registry, audit trail and
 * quarantine methods are in methods_registry.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "methods.h"
#include "methods_int.h"
#include "csv.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "query.h"
#include "tbucket.h"

#define MAX_CHANNELS 10000 /* channels in one consumption request */

void methods__reply_rc(rpc_req *req, int rc, const struct jv_err *err, const char *what)
{
	if (err && err->msg[0])
		rpc_reply_rc(req, rc, "%s", err->msg);
	else if (rc == AMR_ENOTFOUND)
		rpc_reply_rc(req, rc, "%s", what);
	else
		rpc_reply_rc(req, rc, "%s: %s", what, amr_strerror(rc));
}

static struct query make_query(struct methods *a)
{
	return (struct query){ a->s, a->reg, svc_now(), a->fresh_s, NULL };
}

/* from and to, required, from < to. */
static int span_args(const json_t *args, int64_t *from, int64_t *to, struct jv_err *err)
{
	long long f, t;

	if (jv_int(args, "from", true, 0, 0, METHODS__MAX_TIME, &f, err) ||
	    jv_int(args, "to", true, 0, 0, METHODS__MAX_TIME, &t, err))
		return AMR_EINVAL;
	if (t <= f)
		return jv_fail(err, "to: %lld is not after from %lld", t, f);
	*from = f;
	*to = t;
	return AMR_OK;
}

int methods__channel_arg(const json_t *args, const char *field, struct proto_id *k,
			 struct jv_err *err)
{
	const char *id;

	if (jv_str(args, field, true, NULL, 1, 32, &id, err))
		return AMR_EINVAL;
	if (registry_parse_id(id, k, err))
		return AMR_EINVAL;
	if (!k->ch)
		return jv_fail(err, "%s: \"%s\" is not a channel (obj.addr.ch)", field, id);
	return AMR_OK;
}

/* The optional "tz" into q->tz: NULL without it or for the archive's own
 * zone (its day and month rollups answer), else the zone's rules. */
static int tz_arg(const json_t *args, struct query *q, struct jv_err *err)
{
	const char *name = NULL;
	int rc;

	q->tz = NULL;
	if (jv_str(args, "tz", false, NULL, 1, 64, &name, err))
		return AMR_EINVAL;
	if (!name || !strcmp(name, tb_zone()))
		return AMR_OK;
	rc = tzone_rules_get(name, &q->tz);
	if (rc == AMR_EINVAL)
		return jv_fail(err,
			       "tz: \"%s\" is not a time zone of the TZ database (e.g. "
			       "\"Asia/Yekaterinburg\")",
			       name);
	return rc;
}

/* Channels in one latest answer, at most (about 200 bytes each; an
 * answer stays under RPC_MAX_ANSWER; one object has at most 508). */
#define LATEST_PAGE 4000

static void m_latest(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "obj", "from_obj", "limit", NULL };
	struct methods *a = ctx;
	struct query q = make_query(a);
	struct jv_err err = { "" };
	json_t *res = NULL;
	long long obj, from, limit;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_int(args, "obj", false, 0, 1, PROTO_OBJ_MAX, &obj, &err)) ||
	    (rc = jv_int(args, "from_obj", false, 1, 1, PROTO_OBJ_MAX, &from, &err)) ||
	    (rc = jv_int(args, "limit", false, LATEST_PAGE, 1, LATEST_PAGE, &limit, &err)))
		goto out_reply;
	if ((rc = kv_read_begin(a->k, &txn)))
		goto out_reply;
	rc = query_latest(&q, txn, (uint16_t)obj, (uint16_t)from, (size_t)limit, &res);
	mdb_txn_abort(txn);
	if (rc == AMR_ENOTFOUND)
		jv_fail(&err, "obj: object %lld has no readings", obj);
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "latest");
	else
		rpc_reply_ok(req, res);
}

static void m_series(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = {
		"channel", "from", "to", "step", "format", "tz", NULL
	};
	static const char *const steps[] = { "raw", "hour", "day", "month", NULL };
	static const char *const formats[] = { "json", "csv", NULL };
	struct methods *a = ctx;
	struct query q = make_query(a);
	struct jv_err err = { "" };
	struct proto_id k;
	json_t *res = NULL;
	int64_t from, to;
	int step, format, rc;
	MDB_txn *txn;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = methods__channel_arg(args, "channel", &k, &err)) ||
	    (rc = span_args(args, &from, &to, &err)) ||
	    (rc = jv_enum(args, "step", false, TB_HOUR, steps, &step, &err)) ||
	    (rc = jv_enum(args, "format", false, 0, formats, &format, &err)) ||
	    (rc = tz_arg(args, &q, &err)))
		goto out_reply;
	if ((rc = kv_read_begin(a->k, &txn)))
		goto out_reply;
	rc = query_series(&q, txn, &k, from, to, (enum tb_step)step, &res, &err);
	mdb_txn_abort(txn);
	if (!rc && format == 1) {
		char *text = csv_series(res, q.tz);

		json_decref(res);
		res = text ? json_pack("{s:s}", "csv", text) : NULL;
		free(text);
		rc = res ? AMR_OK : AMR_ENOMEM;
	}
out_reply:
	if (rc)
		methods__reply_rc(req, rc, &err, "series");
	else
		rpc_reply_ok(req, res);
}

/* "channels": array of channel ids into a malloc'd key array. */
static int channels_arg(const json_t *args, struct proto_id **keys, size_t *n, struct jv_err *err)
{
	json_t *arr, *e;
	size_t i;

	if (jv_array(args, "channels", true, MAX_CHANNELS, &arr, err))
		return AMR_EINVAL;
	if (!json_array_size(arr))
		return jv_fail(err, "channels: empty; give at least one channel id");
	if (!(*keys = calloc(json_array_size(arr), sizeof **keys)))
		return AMR_ENOMEM;
	json_array_foreach(arr, i, e) {
		const char *id = json_string_value(e);

		if (!id || registry_parse_id(id, &(*keys)[i], err) || !(*keys)[i].ch) {
			jv_fail(err, "channels[%zu]: expected a channel id \"obj.addr.ch\"", i);
			free(*keys);
			*keys = NULL;
			return AMR_EINVAL;
		}
	}
	*n = json_array_size(arr);
	return AMR_OK;
}

/* "HH:00" or "24:00" into an hour. */
static int hour_of(const char *s, int *h)
{
	if (!s || strlen(s) != 5 || s[2] != ':' || s[3] != '0' || s[4] != '0' || s[0] < '0' ||
	    s[0] > '2' || s[1] < '0' || s[1] > '9')
		return -1;
	*h = (s[0] - '0') * 10 + (s[1] - '0');
	return *h <= 24 ? 0 : -1;
}

static int zones_arg(const json_t *args, struct query_zone *z, size_t *nz, struct jv_err *err)
{
	static const char *const fields[] = { "name", "from", "to", NULL };
	json_t *arr, *e;
	size_t i;

	if (jv_array(args, "zones", true, QUERY_MAX_ZONES, &arr, err))
		return AMR_EINVAL;
	if (!json_array_size(arr))
		return jv_fail(
			err,
			"zones: empty; e.g. [{\"name\":\"day\",\"from\":\"07:00\","
			"\"to\":\"23:00\"},{\"name\":\"night\",\"from\":\"23:00\",\"to\":\"07:00\"}]");
	json_array_foreach(arr, i, e) {
		const char *from, *to;

		if (!json_is_object(e) || jv_only(e, fields, err) ||
		    jv_str(e, "name", true, NULL, 1, 32, &z[i].name, err) ||
		    jv_str(e, "from", true, NULL, 5, 5, &from, err) ||
		    jv_str(e, "to", true, NULL, 5, 5, &to, err) || hour_of(from, &z[i].from_h) ||
		    hour_of(to, &z[i].to_h) || z[i].from_h > 23) {
			char m[sizeof err->msg];

			memcpy(m, err->msg, sizeof m);
			return jv_fail(err,
				       "zones[%zu]: expected {\"name\":..,\"from\":\"HH:00\","
				       "\"to\":\"HH:00\"} on whole local hours%s%.100s",
				       i, m[0] ? "; " : "", m);
		}
	}
	*nz = json_array_size(arr);
	return query_zones_check(z, *nz, err);
}

static void consumption(struct methods *a, rpc_req *req, json_t *args, bool with_zones)
{
	static const char *const fields[] = { "channels", "from", "to", NULL };
	static const char *const zfields[] = { "channels", "from", "to", "zones", "tz", NULL };
	struct query_zone zones[QUERY_MAX_ZONES];
	struct query q = make_query(a);
	struct jv_err err = { "" };
	struct proto_id *keys = NULL;
	json_t *res = NULL;
	size_t n = 0, nz = 0;
	int64_t from, to;
	MDB_txn *txn;
	int rc;

	if ((rc = jv_only(args, with_zones ? zfields : fields, &err)) ||
	    (rc = channels_arg(args, &keys, &n, &err)) ||
	    (rc = span_args(args, &from, &to, &err)) ||
	    (with_zones &&
	     ((rc = zones_arg(args, zones, &nz, &err)) || (rc = tz_arg(args, &q, &err)))))
		goto out_reply;
	if ((rc = kv_read_begin(a->k, &txn)))
		goto out_reply;
	rc = query_consumption(&q, txn, keys, n, from, to, zones, nz, &res, &err);
	mdb_txn_abort(txn);
out_reply:
	free(keys);
	if (rc)
		methods__reply_rc(req, rc, &err, "consumption");
	else
		rpc_reply_ok(req, res);
}

static void m_consumption(void *ctx, rpc_req *req, json_t *args)
{
	consumption(ctx, req, args, false);
}

static void m_zones(void *ctx, rpc_req *req, json_t *args)
{
	consumption(ctx, req, args, true);
}

struct backup_job {
	struct methods *a;
	rpc_req *req;
	char path[512];
	int rc;
};

static void backup_done(void *arg)
{
	struct backup_job *j = arg;
	struct stat st;
	char file[600];

	j->a->backup_running = false;
	snprintf(file, sizeof file, "%s/data.mdb", j->path);
	if (j->rc || stat(file, &st) != 0)
		rpc_reply_err(j->req, "internal", "backup to %s failed: %s", j->path,
			      amr_strerror(j->rc ? j->rc : AMR_EIO));
	else
		rpc_reply_ok(j->req, json_pack("{s:s, s:I}", "path", j->path, "bytes",
					       (json_int_t)st.st_size));
	free(j);
}

static void *backup_thread(void *arg)
{
	struct backup_job *j = arg;

	/* the copy reads a snapshot: the writer goes on meanwhile */
	j->rc = kv_backup(j->a->k, j->path);
	if (loop_post(j->a->svc->loop, backup_done, j, NULL) != AMR_OK)
		log_error("backup %s: cannot report the result", j->path);
	return NULL;
}

static void m_backup(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { "name", NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	struct backup_job *j = NULL;
	const char *name;
	pthread_t th;
	struct stat st;
	char file[600];
	int rc;

	if ((rc = jv_only(args, fields, &err)) ||
	    (rc = jv_str(args, "name", true, NULL, 1, 64, &name, &err)))
		goto out_reply;
	if (!methods_backup_name_ok(name)) {
		rc = jv_fail(&err,
			     "name: \"%s\" must be 1..64 of A-Z a-z 0-9 . _ - and not "
			     "start with a dot",
			     name);
		goto out_reply;
	}
	if (a->backup_running) {
		rc = AMR_ESTATE;
		jv_fail(&err, "a backup is already running");
		goto out_reply;
	}
	rc = AMR_ENOMEM;
	if (!(j = calloc(1, sizeof *j)))
		goto out_reply;
	j->a = a;
	j->req = req;
	snprintf(j->path, sizeof j->path, "%s/%s", a->backup_dir, name);
	snprintf(file, sizeof file, "%s/data.mdb", j->path);
	if (stat(file, &st) == 0) {
		rc = AMR_ESTATE;
		jv_fail(&err, "name: backup %s already exists", j->path);
		goto out_reply;
	}
	if (mkdir(a->backup_dir, 0750) != 0 && errno != EEXIST) {
		rc = AMR_EIO;
		jv_fail(&err, "backup directory %s: %s", a->backup_dir, strerror(errno));
		goto out_reply;
	}
	a->backup_running = true;
	if (pthread_create(&th, NULL, backup_thread, j) != 0) {
		a->backup_running = false;
		rc = AMR_ENOMEM;
		goto out_reply;
	}
	pthread_detach(th);
	log_info("backup to %s started", j->path);
	return; /* answered by backup_done */
out_reply:
	free(j);
	methods__reply_rc(req, rc, &err, "backup");
}

void methods_retention_tick(void *ctx)
{
	struct methods *a = ctx;
	size_t deleted = 0;
	int64_t cutoff = svc_now() - a->retention_days * 86400;
	int rc = store_retention(a->s, cutoff, 1000, &deleted);

	if (rc)
		log_error("retention: %s", amr_strerror(rc));
	else if (deleted)
		log_info("retention: deleted %zu raw batches older than %lld days", deleted,
			 a->retention_days);
}

static void m_retention(void *ctx, rpc_req *req, json_t *args)
{
	static const char *const fields[] = { NULL };
	struct methods *a = ctx;
	struct jv_err err = { "" };
	int64_t cutoff = svc_now() - a->retention_days * 86400;
	size_t deleted = 0;
	int rc;

	if (!(rc = jv_only(args, fields, &err)))
		rc = store_retention(a->s, cutoff, 1000, &deleted);
	if (rc)
		methods__reply_rc(req, rc, &err, "retention");
	else
		rpc_reply_ok(req, json_pack("{s:I, s:I, s:I}", "days",
					    (json_int_t)a->retention_days, "cutoff",
					    (json_int_t)cutoff, "deleted", (json_int_t)deleted));
}

amr_err methods_init(struct methods *a)
{
	a->m_audit = metrics_get(a->svc->metrics, METRIC_COUNTER, "amr_archive_audit_total", NULL,
				 "Audit records stored.");
	a->m_rejected = metrics_get(a->svc->metrics, METRIC_COUNTER, "amr_archive_rejected_total",
				    NULL, "Messages refused (sent to amr/v1/deadletter).");
	return a->m_audit && a->m_rejected ? AMR_OK : AMR_ENOMEM;
}

const struct rpc_method methods_readings[] = {
	{ "latest", m_latest,
	  "{obj?,from_obj?,limit?}: last total, time and freshness per "
	  "channel; whole objects, \"next_obj\" when more follow" },
	{ "series", m_series,
	  "{channel,from,to,step:raw|hour|day|month,format?:json|csv,tz?}: tz for days, "
	  "months" },
	{ "consumption", m_consumption,
	  "{channels:[..],from,to}: pulses and quantity per channel" },
	{ "zones", m_zones,
	  "{channels,from,to,zones:[{name,from:\"HH:00\",to}],tz?}: per zone, local hours of "
	  "tz" },
	{ "backup", m_backup, "{name}: hot compacted copy into <backup-dir>/<name>" },
	{ "retention", m_retention, "{}: delete raw readings older than the retention now" },
};
const size_t methods_readings_n = sizeof methods_readings / sizeof methods_readings[0];
