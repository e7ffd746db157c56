/*
 * fuzz_import.c - libFuzzer target: the arguments of archive/import, the
 * readings of past hours an operator brings from another system
 * (services/archive/import.c, docs/archive.md; docs/reliability.md).
 *
 * Any JSON as the arguments, at a fixed archive clock. Checked besides
 * the sanitizers: a refusal names why and leaves nothing to free; an
 * accepted request names a channel (not an object or a device) with the
 * archive's spelling of its id, holds 1..IMPORT_MAX_HOURS hours from a
 * whole UTC hour whose last has begun by now, pulses that add up to its
 * total, a non-empty actor, reason and source, and an audit record for
 * that channel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "import.h"
#include "proto.h"

#define NOW 1763600000

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *args = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je), *audit;
	struct import_req r;
	struct jv_err e = { "" };
	char id[PROTO_ID_LEN];
	uint64_t sum = 0;
	amr_err rc;

	if (!args)
		return 0;
	memset(&r, 0, sizeof r);
	rc = import_parse(args, NOW, &r, &e);
	if (rc) {
		CHECK(rc == AMR_EINVAL && e.msg[0] != '\0');
		CHECK(r.pulses == NULL);
		json_decref(args);
		return 0;
	}
	CHECK(r.key.obj && r.key.addr && r.key.ch);
	CHECK(!strcmp(r.id, proto_id_format(&r.key, id)));
	CHECK(r.n >= 1 && r.n <= IMPORT_MAX_HOURS && r.pulses);
	CHECK(r.from % 3600 == 0 && r.to == r.from + 3600 * (int64_t)r.n);
	CHECK(r.to - 3600 <= NOW);
	for (size_t i = 0; i < r.n; i++)
		sum += r.pulses[i];
	CHECK(sum == r.total);
	CHECK(r.actor && *r.actor && r.reason && *r.reason && r.source && *r.source);
	CHECK(strlen(r.source) <= IMPORT_MAX_SOURCE);
	audit = import_audit(&r, NOW);
	CHECK(audit && !strcmp(json_string_value(json_object_get(audit, "target")), r.id));
	json_decref(audit);
	import_req_free(&r);
	json_decref(args);
	return 0;
}
