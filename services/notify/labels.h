/*
 * labels.h - what the people call a device or a meter ("Кв. 7", "Кв. 7,
 * холодная вода"), read from the archive's registry (archive/
 * registry.list, page by page) when amr-notify starts, every refresh_s
 * after, and 2 s after each change of the registry told on amr/v1/audit,
 * so that an alarm names the flat and the meter, not "1.7". Loop thread.
 */
#ifndef AMR_NOTIFY_LABELS_H
#define AMR_NOTIFY_LABELS_H

#include <jansson.h>

#include "err.h"
#include "svc.h"

typedef struct labels labels;

/* Labels of service s's archive, read at once and every refresh_s.
 * Returns AMR_OK or AMR_ENOMEM. */
amr_err labels_create(labels **out, struct svc *s, unsigned refresh_s);

/* Stop, free. Accepts NULL. */
void labels_destroy(labels *l);

/* The label of id ("1.7", "1.7.1"), borrowed until the next refresh, or
 * NULL when the registry has none (or has not answered yet). */
const char *labels_get(const labels *l, const char *id);

/* The registry's whole record of id (borrowed until the next refresh:
 * "resource", "unit", "weights", "verification_due"..), or NULL. */
const json_t *labels_record(const labels *l, const char *id);

/* Every record read, id -> record (borrowed until the next refresh). */
const json_t *labels_all(const labels *l);

/* Call fn(arg) after each whole reading of the registry (one at a time). */
void labels_on_refresh(labels *l, void (*fn)(void *arg), void *arg);

#endif
