/*
 * archcl.c - the own archive and the sources file's archives, each with
 * its client and RPC endpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archcl.h"
#include "jv.h"
#include "log.h"

struct source {
	char name[ARCHCL_NAME_MAX + 1]; /* "" for the own archive */
	mq *m;				/* its client (the service's own for "") */
	rpc *r;				/* its endpoint (likewise) */
	bool own;			/* m and r are the service's, not ours */
};

struct archcl {
	struct source *src; /* [0] the own archive */
	size_t n;	    /* sources */
	unsigned timeout_ms;
};

/* The first line of file path, without its newline, into buf. */
static amr_err read_secret(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return AMR_EINVAL;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	fclose(f);
	len = strcspn(buf, "\r\n");
	buf[len] = 0;
	return AMR_OK;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("_-.", *s)))
			return false;
	return true;
}

/* Connect source src as row i of the file's "sources". */
static amr_err source_open(struct source *src, struct svc *s, const json_t *row, size_t i,
			   const char *file)
{
	static const char *const fields[] = { "name",	       "host",	 "port", "user",
					      "password_file", "cafile", NULL };
	struct jv_err err = { "" };
	const char *name, *host, *user, *pwfile, *cafile;
	long long port;
	char password[256] = "", client[160];
	struct mq_opts o = { 0 };
	amr_err rc;

	if (!json_is_object(row) || jv_only(row, fields, &err) ||
	    jv_str(row, "name", true, NULL, 1, ARCHCL_NAME_MAX, &name, &err) ||
	    jv_str(row, "host", true, NULL, 1, 255, &host, &err) ||
	    jv_int(row, "port", false, 1883, 1, 65535, &port, &err) ||
	    jv_str(row, "user", false, NULL, 1, 255, &user, &err) ||
	    jv_str(row, "password_file", false, NULL, 1, 4095, &pwfile, &err) ||
	    jv_str(row, "cafile", false, NULL, 1, 4095, &cafile, &err)) {
		log_error("sources %s: sources[%zu]: %s", file, i,
			  err.msg[0] ? err.msg : "expected an object");
		return AMR_EINVAL;
	}
	if (!name_ok(name)) {
		log_error("sources %s: sources[%zu].name: \"%s\": lower-case letters, digits, "
			  "'_', '-' and '.'",
			  file, i, name);
		return AMR_EINVAL;
	}
	if (pwfile && read_secret(pwfile, password, sizeof password)) {
		log_error("sources %s: sources[%zu].password_file: cannot read %s", file, i,
			  pwfile);
		return AMR_EINVAL;
	}
	snprintf(src->name, sizeof src->name, "%s", name);
	snprintf(client, sizeof client, "%s-src-%s", s->client_id, name);
	o.host = host;
	o.port = (int)port;
	o.user = user;
	o.password = pwfile ? password : NULL;
	o.cafile = cafile;
	o.client_id = client;
	o.clean_session = true; /* only answers come back, to this run of ours */
	if ((rc = mq_create(&src->m, s->loop, &o))) {
		log_error("sources %s: %s: cannot create a client for %s:%lld", file, name, host,
			  port);
		return rc;
	}
	if ((rc = rpc_create(&src->r, src->m, s->loop))) {
		mq_destroy(src->m);
		src->m = NULL;
		return rc;
	}
	log_info("source %s: archive on %s:%lld%s", name, host, port, cafile ? " (TLS)" : "");
	return AMR_OK;
}

static amr_err load_sources(archcl *a, struct svc *s, const char *file)
{
	json_error_t je;
	json_t *root = json_load_file(file, 0, &je), *rows;
	amr_err rc = AMR_EINVAL;
	size_t i;

	if (!root) {
		log_error("sources %s: line %d: %s", file, je.line, je.text);
		return AMR_EINVAL;
	}
	rows = json_is_array(root) ? root : json_object_get(root, "sources");
	if (!json_is_array(rows)) {
		log_error("sources %s: expected {\"sources\":[{\"name\",\"host\",..}]}", file);
		goto out_free;
	}
	if (!(a->src = realloc(a->src, (json_array_size(rows) + 1) * sizeof *a->src))) {
		rc = AMR_ENOMEM;
		goto out_free;
	}
	for (i = 0; i < json_array_size(rows); i++) {
		struct source *src = &a->src[a->n];

		memset(src, 0, sizeof *src);
		if ((rc = source_open(src, s, json_array_get(rows, i), i, file)))
			goto out_free;
		a->n++;
		if (archcl_find(a, src->name) != (int)a->n - 1) {
			log_error("sources %s: sources[%zu].name: \"%s\" is given twice", file, i,
				  src->name);
			rc = AMR_EINVAL;
			goto out_free;
		}
	}
	rc = AMR_OK;
out_free:
	json_decref(root);
	return rc;
}

amr_err archcl_create(archcl **out, struct svc *s, const char *file, unsigned timeout_ms)
{
	archcl *a = calloc(1, sizeof *a);
	amr_err rc;

	if (!a || !(a->src = calloc(1, sizeof *a->src))) {
		free(a);
		return AMR_ENOMEM;
	}
	a->src[0] = (struct source){ "", s->mq, s->rpc, true };
	a->n = 1;
	a->timeout_ms = timeout_ms;
	if (file && *file && (rc = load_sources(a, s, file))) {
		archcl_destroy(a);
		return rc;
	}
	*out = a;
	return AMR_OK;
}

void archcl_destroy(archcl *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		if (a->src[i].own)
			continue;
		rpc_destroy(a->src[i].r);
		mq_destroy(a->src[i].m);
	}
	free(a->src);
	free(a);
}

int archcl_find(const archcl *a, const char *name)
{
	if (!name || !*name)
		return 0;
	for (size_t i = 1; i < a->n; i++)
		if (!strcmp(a->src[i].name, name))
			return (int)i;
	return -1;
}

const char *archcl_name(const archcl *a, int i)
{
	return i >= 0 && (size_t)i < a->n ? a->src[i].name : "";
}

size_t archcl_count(const archcl *a)
{
	return a->n;
}

amr_err archcl_call(archcl *a, int i, const char *method, json_t *args, rpc_cb cb, void *ctx)
{
	char m[96];

	if (i < 0 || (size_t)i >= a->n) {
		json_decref(args);
		return AMR_EINVAL;
	}
	snprintf(m, sizeof m, "archive/%s", method);
	return rpc_call(a->src[i].r, m, args, a->timeout_ms, cb, ctx);
}
