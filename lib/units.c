#include <stdio.h>
#include <string.h>

#include "err.h"
#include "units.h"

struct unit_row {
	const char *name; /* as it travels in JSON */
	int dec;	  /* decimals a quantity shows at least */
};

static const struct unit_row unit_rows[] = {
	{ "m3", 3 }, { "kWh", 3 }, { "MWh", 6 },   { "Gcal", 6 },
	{ "GJ", 6 }, { "l", 0 },   { "pulse", 0 },
};

const char *const units_names[] = { "m3", "kWh", "MWh", "Gcal", "GJ", "l", "pulse", NULL };

static units_u128 pow10_u128(int n)
{
	units_u128 v = 1;

	while (n-- > 0)
		v *= 10;
	return v;
}

int units_unit_decimals(const char *unit)
{
	for (size_t i = 0; i < sizeof unit_rows / sizeof unit_rows[0]; i++)
		if (strcmp(unit_rows[i].name, unit) == 0)
			return unit_rows[i].dec;
	return -1;
}

int units_exact_decimals(uint64_t num, uint64_t den)
{
	for (int k = 0; k <= UNITS_MAX_DEC; k++)
		if (((units_u128)num * pow10_u128(k)) % den == 0)
			return k;
	return -1;
}

int units_channel_decimals(const char *unit, const struct units_weight *w, size_t n)
{
	int dec = units_unit_decimals(unit);

	if (dec < 0)
		dec = 0;
	for (size_t i = 0; i < n; i++) {
		int k = units_exact_decimals(w[i].num, w[i].den);

		if (k > dec)
			dec = k;
	}
	return dec;
}

units_u128 units_scaled(uint64_t pulses, const struct units_weight *w, int dec)
{
	/* pulses < 2^64, num <= 2^20, 10^9 < 2^30: the product fits in 2^114 */
	units_u128 x = (units_u128)pulses * w->num * pow10_u128(dec);

	return (x + w->den / 2) / w->den;
}

char *units_format(units_u128 v, int dec, char *buf)
{
	char digits[UNITS_QTY_MAX];
	size_t n = 0, o = 0;

	do {
		digits[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	while (n <= (size_t)dec)
		digits[n++] = '0';
	while (n > 0) {
		if (n == (size_t)dec)
			buf[o++] = '.';
		buf[o++] = digits[--n];
	}
	buf[o] = '\0';
	return buf;
}

amr_err units_parse(const char *s, int dec, units_u128 *out)
{
	units_u128 v = 0, limit = ((units_u128)1 << 100);
	int frac = -1;

	if (!*s)
		return AMR_EINVAL;
	for (; *s; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9')
			return AMR_EINVAL;
		if (frac >= 0 && ++frac > dec)
			return AMR_EINVAL;
		v = v * 10 + (units_u128)(*s - '0');
		if (v > limit)
			return AMR_EINVAL;
	}
	if (frac == 0)
		return AMR_EINVAL; /* "12." */
	*out = v * pow10_u128(dec - (frac < 0 ? 0 : frac));
	return AMR_OK;
}

amr_err units_check_weights(const struct units_weight *w, size_t n, char *msg, size_t size)
{
	if (n == 0 || n > UNITS_MAX_WEIGHTS) {
		snprintf(msg, size, "weights: %zu periods, expected 1..%d", n, UNITS_MAX_WEIGHTS);
		return AMR_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (w[i].num < 1 || w[i].num > UNITS_MAX_NUM) {
			snprintf(msg, size, "weight num: %llu is out of range 1..%d",
				 (unsigned long long)w[i].num, UNITS_MAX_NUM);
			return AMR_EINVAL;
		}
		if (w[i].den < 1 || w[i].den > UNITS_MAX_DEN) {
			snprintf(msg, size, "weight den: %llu is out of range 1..%d",
				 (unsigned long long)w[i].den, UNITS_MAX_DEN);
			return AMR_EINVAL;
		}
		if (w[i].valid_from < 0 || w[i].valid_from % 3600 != 0) {
			snprintf(msg, size,
				 "weight valid_from: %lld is not a whole hour "
				 "(a multiple of 3600)",
				 (long long)w[i].valid_from);
			return AMR_EINVAL;
		}
		if (i > 0 && w[i].valid_from <= w[i - 1].valid_from) {
			snprintf(msg, size, "weight valid_from: %lld does not follow %lld",
				 (long long)w[i].valid_from, (long long)w[i - 1].valid_from);
			return AMR_EINVAL;
		}
	}
	return AMR_OK;
}

size_t units_weight_at(const struct units_weight *w, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	/* first index with valid_from > t */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (w[mid].valid_from <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

void units_acc_init(struct units_acc *a, const struct units_weight *w, size_t n, int dec)
{
	memset(a, 0, sizeof *a);
	a->w = w;
	a->n = n;
	a->dec = dec;
}

units_u128 units_acc_add(struct units_acc *a, size_t p, uint64_t pulses)
{
	units_u128 before, after;

	if (p >= a->n)
		p = a->n - 1;
	before = units_scaled(a->cum[p], &a->w[p], a->dec);
	a->cum[p] += pulses;
	after = units_scaled(a->cum[p], &a->w[p], a->dec);
	a->total += after - before;
	return after - before;
}
