/*
 * weights.c - the registry's pulse weights as JSON.
 */
#include <stdint.h>

#include "err.h"
#include "weights.h"

amr_err weights_parse(const json_t *arr, struct units_weight *w, size_t *n, struct jv_err *err)
{
	static const char *const fields[] = { "num", "den", "valid_from", NULL };
	size_t i;
	json_t *e;

	if (!json_is_array(arr) || json_array_size(arr) < 1 ||
	    json_array_size(arr) > UNITS_MAX_WEIGHTS)
		return jv_fail(err, "weights: expected an array of 1..%d weights",
			       UNITS_MAX_WEIGHTS);
	json_array_foreach(arr, i, e) {
		long long num, den, from;

		if (!json_is_object(e))
			return jv_fail(err, "weights[%zu]: expected an object", i);
		if (jv_only(e, fields, err) ||
		    jv_int(e, "num", true, 0, 1, UNITS_MAX_NUM, &num, err) ||
		    jv_int(e, "den", true, 0, 1, UNITS_MAX_DEN, &den, err) ||
		    jv_int(e, "valid_from", false, 0, 0, INT64_MAX / 2, &from, err))
			return AMR_EINVAL;
		w[i] = (struct units_weight){ (uint64_t)num, (uint64_t)den, from };
	}
	*n = json_array_size(arr);
	if (units_check_weights(w, *n, err->msg, sizeof err->msg))
		return AMR_EINVAL;
	return AMR_OK;
}

json_t *weights_json(const struct units_weight *w, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		json_t *e = json_pack("{s:I, s:I, s:I}", "num", (json_int_t)w[i].num, "den",
				      (json_int_t)w[i].den, "valid_from",
				      (json_int_t)w[i].valid_from);

		if (!e || json_array_append_new(arr, e)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
