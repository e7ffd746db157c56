/* What the web unit suites share: parsed test inputs freed by the
 * fixture, and a view with the test settings. */
#include <check.h>

#include "err.h"
#include "test_web.h"

/* Parsed test inputs, freed by the fixture's teardown. */
static json_t *pool[64];
static size_t npool;

json_t *web_test_json(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	ck_assert_ptr_nonnull(j);
	ck_assert_uint_lt(npool, 64);
	pool[npool++] = j;
	return j;
}

void web_test_pool_free(void)
{
	while (npool)
		json_decref(pool[--npool]);
}

view *web_test_view(void)
{
	struct view_opts o = { 300, 8 };
	view *v;

	ck_assert_int_eq(view_create(&v, &o), AMR_OK);
	return v;
}
