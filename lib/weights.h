/*
 * weights.h - the registry's pulse weights as JSON, read and written in one
 * place.
 *
 * A channel's record in the archive's registry (docs/archive.md) carries
 * "weights": [{"num":1,"den":100,"valid_from":0}, ...], the periods of its
 * pulse weight. The archive stores and checks them; the portal and billing
 * read them back from registry records. Both use these two functions, so a
 * record means the same to every reader.
 */
#ifndef AMR_WEIGHTS_H
#define AMR_WEIGHTS_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "units.h"

/*
 * Read a weights array into w[0..UNITS_MAX_WEIGHTS): 1..UNITS_MAX_WEIGHTS
 * objects with exactly num (1..UNITS_MAX_NUM), den (1..UNITS_MAX_DEN) and
 * an optional valid_from (default 0), as units_check_weights() demands
 * (whole hours, strictly increasing). arr is borrowed. Returns AMR_OK with
 * *n set, or AMR_EINVAL with err naming the element and field (w and *n
 * then undefined).
 */
amr_err weights_parse(const json_t *arr, struct units_weight *w, size_t *n, struct jv_err *err);

/* w[0..n) as a weights array (new reference); NULL when out of memory. */
json_t *weights_json(const struct units_weight *w, size_t n);

#endif
