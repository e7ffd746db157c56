/*
 * notify_send.c - the messages other services ask amr-notify to send
 * (docs/notify.md, "Messages for other services"): notify/send queues an
 * e-mail or an SMS once per ref, and each outcome of such a message is
 * told on amr/v1/notify/delivery/<service>, the service its ref names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "notify_int.h"

#define SEND_SUBJECT_MAX 200	/* bytes of an e-mail's subject */
#define SEND_BODY_MAX	 20000	/* bytes of an e-mail's text */
#define SEND_SMS_MAX	 480	/* characters of an SMS (Kannel splits it) */
#define SEND_ATTACH_MAX	 716800 /* bytes of an attached file, decoded (700 KB) */
#define SEND_TOPIC	 "notify/delivery/"

/* service/...: letters, digits and . _ / : - only, the first part a
 * service's name. */
static bool ref_ok(const char *ref)
{
	size_t svc = strspn(ref, "abcdefghijklmnopqrstuvwxyz");

	return svc > 0 && svc <= PROTO_NAME_MAX && ref[svc] == '/' && ref[svc + 1] &&
	       strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/:-") ==
		       strlen(ref);
}

/* A file's name for a MIME header: printable ASCII, no quote, slash or
 * backslash. */
static bool name_ok(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || strchr("\"\\/", *s))
			return false;
	return true;
}

/* The characters of UTF-8 text s. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static amr_err check_attachment(const json_t *args, struct jv_err *err)
{
	static const char *const fields[] = { "name", "type", "data", NULL };
	const json_t *a = json_object_get(args, "attachment");
	const char *name, *type, *data;
	unsigned char *bin;
	size_t n = 0;
	amr_err rc;

	if (!a)
		return AMR_OK;
	if (!json_is_object(a))
		return jv_fail(err, "attachment: expected {\"name\",\"type\",\"data\"}");
	if ((rc = jv_only(a, fields, err)) ||
	    (rc = jv_str(a, "name", true, NULL, 1, 100, &name, err)) ||
	    (rc = jv_str(a, "type", true, NULL, 3, 100, &type, err)) ||
	    (rc = jv_str(a, "data", true, NULL, 4, SEND_ATTACH_MAX / 3 * 4 + 4, &data, err))) {
		char m[sizeof err->msg];

		memcpy(m, err->msg, sizeof m);
		return jv_fail(err, "attachment.%s", m);
	}
	if (!name_ok(name))
		return jv_fail(err, "attachment.name: \"%.40s\" is not a plain file name", name);
	if (strspn(type, "abcdefghijklmnopqrstuvwxyz0123456789.+-/") != strlen(type) ||
	    !strchr(type, '/'))
		return jv_fail(err, "attachment.type: \"%.40s\" is not a MIME type", type);
	if (!(bin = malloc(strlen(data))))
		return AMR_ENOMEM;
	if (sodium_base642bin(bin, strlen(data), data, strlen(data), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL)) {
		free(bin);
		return jv_fail(err, "attachment.data: not base64");
	}
	free(bin);
	return n <= SEND_ATTACH_MAX
		       ? AMR_OK
		       : jv_fail(err, "attachment.data: over %d bytes", SEND_ATTACH_MAX);
}

/* Check args; the message to queue into *out (new). */
static amr_err check(const notify *n, const json_t *args, json_t **out, struct jv_err *err)
{
	static const char *const fields[] = { "ref",  "channel",    "to",    "subject",
					      "body", "attachment", "actor", NULL };
	static const char *const channels[] = { "email", "sms", NULL };
	const char *ref, *to, *subject, *body, *actor;
	int ch;
	amr_err rc;

	if ((rc = jv_only(args, fields, err)) ||
	    (rc = jv_str(args, "ref", true, NULL, 3, NOTIFY_REF_MAX, &ref, err)) ||
	    (rc = jv_enum(args, "channel", true, 0, channels, &ch, err)) ||
	    (rc = jv_str(args, "to", true, NULL, 3, 200, &to, err)) ||
	    (rc = jv_str(args, "subject", ch == 0, NULL, 1, SEND_SUBJECT_MAX, &subject, err)) ||
	    (rc = jv_str(args, "body", true, NULL, 1, SEND_BODY_MAX, &body, err)) ||
	    (rc = jv_str(args, "actor", true, NULL, 1, 64, &actor, err)))
		return rc;
	if (!ref_ok(ref))
		return jv_fail(
			err, "ref: \"%.60s\" is not service/... of letters, digits and ._/:-", ref);
	if (ch == 0 ? !contacts_email_ok(to) : !contacts_phone_ok(to))
		return jv_fail(err, "to: \"%.60s\" is not %s", to,
			       ch == 0 ? "an e-mail address" : "a phone number (+79001234567)");
	/* jansson took the text as valid UTF-8 */
	if (ch == 1 && chars(body) > SEND_SMS_MAX)
		return jv_fail(err, "body: over %d characters for an SMS", SEND_SMS_MAX);
	if (ch == 1 && json_object_get(args, "attachment"))
		return jv_fail(err, "attachment: an SMS carries none");
	if ((rc = check_attachment(args, err)))
		return rc;
	if (!outbox_has(n->ob, channels[ch])) {
		jv_fail(err, "channel: amr-notify sends no %s here (--%s-url)", channels[ch],
			ch == 0 ? "smtp" : "sms");
		return AMR_ETIMEDOUT; /* "unavailable" */
	}
	*out = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s*, s:s, s:O*}", "alarm", 0, "ref", ref,
			 "channel", channels[ch], "by", actor, "to", to, "subject", subject, "body",
			 body, "attachment", json_object_get(args, "attachment"));
	return *out ? AMR_OK : AMR_ENOMEM;
}

/* What the caller is answered of message rec: all but the file. */
static json_t *answer(const json_t *rec)
{
	json_t *a = json_deep_copy(rec), *att = json_object_get(a, "attachment");

	if (att)
		json_object_del(att, "data");
	return a;
}

void notify__m_send(void *ctx, rpc_req *req, json_t *args)
{
	notify *n = ctx;
	struct jv_err err = { "" };
	json_t *msg = NULL, *rec = NULL;
	uint64_t id;
	const char *ref = json_string_value(json_object_get(args, "ref"));
	amr_err rc;

	if (!n->ob) {
		rpc_reply_err(req, "unavailable", "amr-notify sends no message here (no channel)");
		return;
	}
	if ((rc = check(n, args, &msg, &err)))
		goto out;
	/* a ref seen before: the message as it is, nothing queued again */
	if ((rc = outbox_get_ref(n->ob, ref, &rec)) != AMR_ENOTFOUND)
		goto out;
	if (!(rc = outbox_put(n->ob, msg, &id))) {
		log_info("message %llu queued for %s (%s)", (unsigned long long)id, ref,
			 json_string_value(json_object_get(msg, "channel")));
		rc = outbox_get_ref(n->ob, ref, &rec);
	}
out:
	json_decref(msg);
	if (!rc) {
		json_t *a = answer(rec);

		json_decref(rec);
		rpc_reply_jv(req, a ? AMR_OK : AMR_ENOMEM, &err, a);
		return;
	}
	rpc_reply_jv(req, rc, &err, NULL);
}

void notify__delivery(const json_t *rec, void *arg)
{
	notify *n = arg;
	const char *ref = json_string_value(json_object_get(rec, "ref"));
	char topic[PROTO_TOPIC_MAX];
	json_t *ev;
	size_t svc;

	if (!ref || (svc = strcspn(ref, "/")) > PROTO_NAME_MAX)
		return; /* an alarm's message: told on its alarm */
	if (!strncmp(ref, "notify/", 7))
		return; /* amr-notify's own (an answer to an SMS): in its log only */
	snprintf(topic, sizeof topic, PROTO_TOPIC_ROOT SEND_TOPIC "%.*s", (int)svc, ref);
	ev = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O*, s:O*, s:I}", "id",
		       json_object_get(rec, "id"), "ref", json_object_get(rec, "ref"), "channel",
		       json_object_get(rec, "channel"), "to", json_object_get(rec, "to"), "state",
		       json_object_get(rec, "state"), "attempts", json_object_get(rec, "attempts"),
		       "why", json_object_get(rec, "why"), "delivery",
		       json_object_get(rec, "delivery"), "ts", (json_int_t)svc_now());
	if (!ev || mq_publish_json(n->s->mq, topic, ev, 1, false))
		log_warn("%s: the outcome of message %lld not published", topic,
			 (long long)json_integer_value(json_object_get(rec, "id")));
	json_decref(ev);
}
