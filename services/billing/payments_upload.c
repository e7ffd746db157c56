/*
 * payments_upload.c - the file of a payment.import request: in the
 * request (base64 in "text"), or, when it does not fit one message, in
 * parts kept in memory until the last has come (docs/billing.md, "Bank
 * registry files").
 *
 * A part names its upload (an id the sender makes up, new for each file),
 * its number and how many there are; parts come in order, a part sent
 * again (a retry after a timeout, a duplicate) is taken once. An upload left without a part for
 * UPLOAD_IDLE_S, or lost in a restart, is gone: the sender starts again
 * from part 1. Loop thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bankreg.h"
#include "payments_int.h"

#define UPLOADS_MAX	 8   /* files coming in parts at once */
#define UPLOAD_IDLE_S	 900 /* seconds an upload waits for its next part */
#define UPLOAD_PARTS_MAX 64  /* parts of a file */
#define UPLOAD_ID_MAX	 64  /* bytes of an upload id */
#define B64		 sodium_base64_VARIANT_ORIGINAL

struct upload {
	char id[UPLOAD_ID_MAX + 1]; /* "" when the slot is free */
	json_t *head;		    /* part 1's org, bank and name: every part names them */
	long long parts;	    /* how many */
	long long got;		    /* received so far */
	unsigned char *buf;	    /* the bytes so far */
	size_t len;		    /* how many */
	int64_t touched;	    /* when the last part came */
};

struct payments__uploads {
	struct upload u[UPLOADS_MAX];
};

amr_err payments__uploads_create(struct payments__uploads **out)
{
	if (sodium_init() < 0)
		return AMR_EIO;
	if (!(*out = calloc(1, sizeof **out)))
		return AMR_ENOMEM;
	return AMR_OK;
}

static void drop(struct upload *u)
{
	json_decref(u->head);
	free(u->buf);
	memset(u, 0, sizeof *u);
}

void payments__uploads_destroy(struct payments__uploads *up)
{
	if (!up)
		return;
	for (size_t i = 0; i < UPLOADS_MAX; i++)
		drop(&up->u[i]);
	free(up);
}

/* args' "text", base64, as new bytes in *data. */
static amr_err decode(const json_t *args, unsigned char **data, size_t *size, struct jv_err *err)
{
	const char *text, *end;
	size_t len;
	amr_err rc;

	if ((rc = jv_str(args, "text", true, NULL, 1, (size_t)-1 / 2, &text, err)))
		return rc;
	len = strlen(text);
	if (len / 4 * 3 > BANKREG_SIZE_MAX) {
		jv_fail(err, "text: over %u bytes; a registry is at most that", BANKREG_SIZE_MAX);
		return AMR_EFULL;
	}
	if (!(*data = malloc(len / 4 * 3 + 3)))
		return AMR_ENOMEM;
	if (sodium_base642bin(*data, len / 4 * 3 + 3, text, len, NULL, size, &end, B64) ||
	    end != text + len) {
		free(*data);
		*data = NULL;
		return jv_fail(err, "text: not base64 (RFC 4648, standard alphabet, padded)");
	}
	return AMR_OK;
}

/* The slot of upload id, or NULL; expired ones are dropped on the way. */
static struct upload *find(struct payments__uploads *up, const char *id, int64_t now)
{
	struct upload *hit = NULL;

	for (size_t i = 0; i < UPLOADS_MAX; i++) {
		struct upload *u = &up->u[i];

		if (u->id[0] && now - u->touched > UPLOAD_IDLE_S)
			drop(u);
		else if (u->id[0] && !strcmp(u->id, id))
			hit = u;
	}
	return hit;
}

static bool id_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/* Part 1: a free slot for the upload, into *slot. */
static amr_err start(struct payments__uploads *up, const char *id, const json_t *args,
		     long long parts, int64_t now, struct upload **slot, struct jv_err *err)
{
	struct upload *u = NULL;

	for (size_t i = 0; !u && i < UPLOADS_MAX; i++)
		if (!up->u[i].id[0])
			u = &up->u[i];
	if (!u) {
		jv_fail(err,
			"upload: %d files are coming in parts already; finish one, or wait "
			"until one has waited %d s for its next part",
			UPLOADS_MAX, UPLOAD_IDLE_S);
		return AMR_ESTATE;
	}
	drop(u);
	if (!(u->head = json_pack("{s:O?, s:O?, s:O?}", "org", json_object_get(args, "org"), "bank",
				  json_object_get(args, "bank"), "name",
				  json_object_get(args, "name"))))
		return AMR_ENOMEM;
	snprintf(u->id, sizeof u->id, "%s", id);
	u->parts = parts;
	u->touched = now;
	*slot = u;
	return AMR_OK;
}

/* A later part: of the same file as part 1, and the next one. */
static amr_err follows(struct upload *u, const char *id, const json_t *args, long long part,
		       long long parts, struct jv_err *err)
{
	static const char *const same[] = { "org", "bank", "name", NULL };

	if (!u) {
		jv_fail(err,
			"upload: no file \"%s\" is coming in parts (it waited over %d s for a "
			"part, or amr-billing restarted); send it again from part 1",
			id, UPLOAD_IDLE_S);
		return AMR_ENOTFOUND;
	}
	if (parts != u->parts)
		return jv_fail(err, "parts: %lld, not %lld as part 1 said", parts, u->parts);
	for (size_t i = 0; same[i]; i++)
		if (!json_equal(json_object_get(args, same[i]), json_object_get(u->head, same[i])))
			return jv_fail(err, "%s: not the one part 1 named", same[i]);
	if (part > u->got + 1)
		return jv_fail(err,
			       "part: %lld is not the next part of upload %s (%lld of %lld "
			       "received); send part %lld",
			       part, id, u->got, u->parts, u->got + 1);
	return AMR_OK;
}

amr_err payments__upload_take(struct payments__uploads *up, const json_t *args, int64_t now,
			      unsigned char **data, size_t *size, json_t **progress,
			      struct jv_err *err)
{
	long long part, parts;
	unsigned char *bytes = NULL, *grown;
	struct upload *u;
	const char *id;
	size_t n = 0;
	amr_err rc;

	*data = NULL;
	*progress = NULL;
	if (!json_object_get(args, "parts"))
		return decode(args, data, size, err);
	if ((rc = jv_int(args, "parts", true, 0, 1, UPLOAD_PARTS_MAX, &parts, err)) ||
	    (rc = jv_int(args, "part", true, 0, 1, parts, &part, err)) ||
	    (rc = jv_str(args, "upload", true, NULL, 1, UPLOAD_ID_MAX, &id, err)))
		return rc;
	if (!id_ok(id))
		return jv_fail(err, "upload: \"%s\": letters, digits, '-', '_' and '.' only", id);
	u = find(up, id, now);
	if (part == 1 && !u)
		rc = start(up, id, args, parts, now, &u, err);
	else
		rc = follows(u, id, args, part, parts, err);
	if (rc)
		return rc;
	if (part <= u->got) /* sent again: taken once */
		goto out_progress;
	if ((rc = decode(args, &bytes, &n, err)))
		goto out_drop;
	if (u->len + n > BANKREG_SIZE_MAX) {
		jv_fail(err, "text: the parts add up to over %u bytes; a registry is at most that",
			BANKREG_SIZE_MAX);
		rc = AMR_EFULL;
		goto out_drop;
	}
	if (!(grown = realloc(u->buf, u->len + n + 1))) {
		rc = AMR_ENOMEM;
		goto out_drop;
	}
	memcpy(grown + u->len, bytes, n);
	free(bytes);
	u->buf = grown;
	u->len += n;
	u->got = part;
	u->touched = now;
	if (u->got == u->parts) {
		*data = u->buf;
		*size = u->len;
		u->buf = NULL;
		drop(u);
		return AMR_OK;
	}
out_progress:
	if (!(*progress = json_pack("{s:s, s:I, s:I, s:I}", "upload", u->id, "part",
				    (json_int_t)part, "parts", (json_int_t)u->parts, "received",
				    (json_int_t)u->len)))
		return AMR_ENOMEM;
	return AMR_OK;
out_drop:
	free(bytes);
	drop(u);
	return rc;
}
