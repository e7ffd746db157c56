/*
 * fuzz_model.c - libFuzzer target: the check of the records the
 * accountant writes, services/billing/model.c's model_check() (model.h;
 * docs/billing.md "The model"; docs/reliability.md): organisations,
 * buildings, premises, accounts, services, meters, groups, tariffs, their
 * versions, calendars, rates.
 *
 * The input: a byte choosing the kind, then the record as JSON text
 * (read as amr-billing reads a request's record, jv_parse_object()).
 * Checked:
 *  - model_check() answers AMR_OK or AMR_EINVAL; a refusal's message
 *    starts with the field it names: a path ("premises[0].from: ...") of
 *    the fields' letters, or a field of the record as it was spelt (an
 *    unknown one, cut at 60 bytes);
 *  - an accepted record: every reference of a kind and an id
 *    1..MODEL_ID_MAX, with the field it was in; accepted again, as it
 *    is and once written out and read back, unchanged (the normalised
 *    form is a fixed point) and with the same references;
 *    model_unique_key() of it NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jv.h"
#include "model.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == '[' || c == ']' || c == ' ';
}

static void check_refusal(const json_t *rec, const struct jv_err *err)
{
	const char *msg = err->msg, *colon = strstr(msg, ": ");
	const char *key;
	json_t *v;
	bool named = colon && colon > msg;

	CHECK(memchr(msg, '\0', sizeof err->msg) && msg[0]);
	for (const char *p = msg; named && p < colon; p++)
		named = path_char(*p);
	json_object_foreach((json_t *)rec, key, v) {
		size_t n = strlen(key);

		named |= !strncmp(msg, key, n < 60 ? n : 60);
	}
	(void)v;
	CHECK(named);
}

static bool same_refs(const struct model_refs *a, const struct model_refs *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->r[i].kind != b->r[i].kind || a->r[i].id != b->r[i].id ||
		    strcmp(a->r[i].field, b->r[i].field))
			return false;
	return true;
}

/* rec accepted again, unchanged, with the same refs. */
static void check_again(enum model_kind k, const json_t *rec, const struct model_refs *refs)
{
	static struct model_refs again;
	struct jv_err err = { "" };
	json_t *copy = json_deep_copy(rec), *read;
	char *text;

	CHECK(copy != NULL);
	CHECK(model_check(k, copy, &again, &err) == AMR_OK);
	CHECK(json_equal(copy, rec) && same_refs(&again, refs));
	json_decref(copy);
	CHECK((text = json_dumps(rec, JSON_COMPACT)) != NULL);
	CHECK((read = jv_parse_object(text, strlen(text), &err)) != NULL);
	CHECK(model_check(k, read, &again, &err) == AMR_OK);
	CHECK(json_equal(read, rec) && same_refs(&again, refs));
	json_decref(read);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model_refs refs;
	struct jv_err err = { "" };
	enum model_kind k;
	json_t *rec, *orig;
	char key[256];
	const char *what = NULL;
	amr_err rc;

	if (size < 1)
		return 0;
	k = (enum model_kind)(1 + data[0] % (MODEL_KIND_END - 1));
	if (!(rec = jv_parse_object((const char *)data + 1, size - 1, &err)))
		return 0;
	CHECK((orig = json_deep_copy(rec)) != NULL);
	memset(&refs, 0, sizeof refs);
	rc = model_check(k, rec, &refs, &err);
	CHECK(rc == AMR_OK || rc == AMR_EINVAL);
	if (rc) {
		check_refusal(orig, &err);
	} else {
		CHECK(refs.n <= MODEL_REFS_MAX);
		for (size_t i = 0; i < refs.n; i++) {
			CHECK(refs.r[i].kind >= MODEL_ORG && refs.r[i].kind < MODEL_KIND_END);
			CHECK(refs.r[i].id >= 1 && refs.r[i].id <= MODEL_ID_MAX);
			CHECK(memchr(refs.r[i].field, '\0', sizeof refs.r[i].field) &&
			      refs.r[i].field[0]);
		}
		check_again(k, rec, &refs);
		memset(key, 0x5a, sizeof key);
		if (model_unique_key(k, rec, key, sizeof key, &what))
			CHECK(memchr(key, '\0', sizeof key) && what != NULL);
	}
	json_decref(orig);
	json_decref(rec);
	return 0;
}
