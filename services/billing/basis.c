/*
 * basis.c - meter, average or norm: the choice for a month.
 */
#include <stdio.h>
#include <string.h>

#include "basis.h"

static const char *const names[BASIS_END] = {
	[BASIS_METER] = "meter",
	[BASIS_AVERAGE] = "average",
	[BASIS_NORM] = "norm",
	[BASIS_HOUSE] = "house",
	[BASIS_ODN] = "odn",
	[BASIS_FIXED] = "fixed",
	[BASIS_RECALCULATION] = "recalculation",
	[BASIS_ADJUSTMENT] = "adjustment",
	[BASIS_BENEFIT] = "benefit",
	[BASIS_SUBSIDY] = "subsidy",
	[BASIS_INSTALMENT] = "instalment",
};

const char *basis_name(enum basis_kind b)
{
	return b < BASIS_END ? names[b] : NULL;
}

int basis_parse(const char *name)
{
	for (int b = 0; name && b < BASIS_END; b++)
		if (!strcmp(names[b], name))
			return b;
	return -1;
}

/* The issued month k months before the period, or NULL. */
static const struct basis_month *before(const struct basis_in *in, int k)
{
	struct month want = month_add(in->period, -k);

	for (size_t i = 0; i < in->nhist; i++)
		if (in->hist[i].m.y == want.y && in->hist[i].m.m == want.m)
			return &in->hist[i];
	return NULL;
}

/* sum / n rounded half up, at dec decimals (sum already at dec). */
static struct money_qty mean(__int128 sum, int n, int dec)
{
	return (struct money_qty){ (int64_t)money_round_div(sum, n), dec };
}

static const int64_t pow10_tab[] = { 1,	     10,      100,	1000,	   10000,
				     100000, 1000000, 10000000, 100000000, 1000000000 };

amr_err basis_choose(const struct basis_in *in, struct basis_choice *out)
{
	const struct basis_month *took[BASIS_AVERAGE_MAX];
	int limit = in->residential ? BASIS_ROW_FLAT : BASIS_ROW_NONRES;
	int window = in->heat ? BASIS_WINDOW_HEAT : BASIS_WINDOW, n = 0, dec = 0;
	const struct basis_month *b;
	__int128 sum = 0, zsum[TARIFF_ZONES_MAX] = { 0 };
	size_t nz;

	memset(out, 0, sizeof *out);
	if (in->usable) {
		out->basis = BASIS_METER;
		return AMR_OK;
	}
	/* the months without meter data so far: by average, then by norm */
	while ((b = before(in, out->in_row + 1)) &&
	       (b->basis == BASIS_AVERAGE || b->basis == BASIS_NORM))
		out->in_row++;
	if (out->in_row >= limit) {
		out->basis = BASIS_NORM;
		snprintf(out->why, sizeof out->why,
			 "billed without meter data for %d months in a row already "
			 "(at most %d for a %s premises), so by the norm",
			 out->in_row, limit, in->residential ? "residential" : "non-residential");
		return AMR_OK;
	}
	for (int k = 1; k <= window && n < BASIS_AVERAGE_MAX; k++) {
		if (!(b = before(in, k)) || b->basis != BASIS_METER)
			continue;
		if (in->heat && !(in->heating_months & (1u << b->m.m)))
			continue;
		took[n++] = b;
		if (b->qty.dec > dec)
			dec = b->qty.dec;
	}
	if (n < BASIS_AVERAGE_MIN) {
		out->basis = BASIS_NORM;
		snprintf(out->why, sizeof out->why,
			 "%d month%s billed by meter in the %d before%s "
			 "(an average needs %d), so by the norm",
			 n, n == 1 ? "" : "s", window, in->heat ? " in the heating season" : "",
			 BASIS_AVERAGE_MIN);
		return AMR_OK;
	}
	nz = took[0]->nzones;
	for (int i = 0; i < n; i++) {
		sum += (__int128)took[i]->qty.v * pow10_tab[dec - took[i]->qty.dec];
		if (took[i]->nzones != nz)
			nz = 0;
	}
	for (size_t z = 0; z < nz; z++)
		for (int i = 0; i < n; i++) {
			const struct money_qty *q = &took[i]->zone[z];

			if (q->dec > dec) {
				nz = 0;
				break;
			}
			zsum[z] += (__int128)q->v * pow10_tab[dec - q->dec];
		}
	if (sum > MONEY_QTY_MAX)
		return AMR_EINVAL;
	out->basis = BASIS_AVERAGE;
	out->months = n;
	out->qty = mean(sum, n, dec);
	out->nzones = nz;
	for (size_t z = 0; z < nz; z++)
		out->zone[z] = mean(zsum[z], n, dec);
	snprintf(out->why, sizeof out->why,
		 "the average of %d month%s billed by meter (%d of "
		 "at most %d months by average in a row)",
		 n, n == 1 ? "" : "s", out->in_row + 1, limit);
	return AMR_OK;
}
