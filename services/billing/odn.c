/*
 * odn.c - the largest-remainder split, and ОДН's difference and cap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odn.h"

static bool digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int odn_number_cmp(const char *a, const char *b)
{
	int c;

	a = a ? a : "";
	b = b ? b : "";
	if (digits(a) && digits(b)) {
		while (*a == '0' && a[1])
			a++;
		while (*b == '0' && b[1])
			b++;
		if (strlen(a) != strlen(b))
			return strlen(a) < strlen(b) ? -1 : 1;
	}
	c = strcmp(a, b);
	return c < 0 ? -1 : c > 0;
}

/* a ranks before b for the next unit: larger remainder, lower number. */
static bool ranks_before(const struct odn_part *a, const struct odn_part *b)
{
	int c;

	if (a->rem != b->rem)
		return a->rem > b->rem;
	if ((c = odn_number_cmp(a->number, b->number)))
		return c < 0;
	return a->key < b->key;
}

amr_err odn_split(int64_t total, struct odn_part *parts, size_t n)
{
	__int128 sum = 0, given = 0;
	int64_t left;

	if (total < 0)
		return AMR_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].weight < 0)
			return AMR_EINVAL;
		sum += parts[i].weight;
	}
	if (sum == 0) {
		if (total > 0)
			return AMR_EINVAL;
		for (size_t i = 0; i < n; i++)
			parts[i].part = parts[i].rem = 0;
		return AMR_OK;
	}
	if (sum > INT64_MAX)
		return AMR_EINVAL;
	for (size_t i = 0; i < n; i++) {
		/* total <= 2^63, weight <= 2^63: the product fits in 127 bits */
		__int128 x = (__int128)total * parts[i].weight;

		parts[i].part = (int64_t)(x / sum);
		parts[i].rem = (int64_t)(x % sum);
		given += parts[i].part;
	}
	/* fewer than n units are left: one each to the best ranked parts */
	left = (int64_t)(total - given);
	while (left-- > 0) {
		size_t best = n;

		for (size_t i = 0; i < n; i++)
			if (parts[i].rem >= 0 && parts[i].weight > 0 &&
			    (best == n || ranks_before(&parts[i], &parts[best])))
				best = i;
		if (best == n)
			break; /* cannot happen: the remainders add up to left x sum */
		parts[best].part++;
		parts[best].rem = -1 - parts[best].rem; /* ranked once; kept for the reader */
	}
	for (size_t i = 0; i < n; i++)
		if (parts[i].rem < 0)
			parts[i].rem = -1 - parts[i].rem;
	return AMR_OK;
}

amr_err odn_prorate(int64_t total, int days, struct odn_span *spans, size_t n)
{
	struct odn_part seg[32];
	bool cut[32] = { false };
	int start[32], nseg = 0;

	if (days < 1 || days > 31)
		return AMR_EINVAL;
	cut[0] = cut[days] = true;
	for (size_t i = 0; i < n; i++) {
		if (spans[i].d0 < 0 || spans[i].d1 > days || spans[i].d0 > spans[i].d1)
			return AMR_EINVAL;
		cut[spans[i].d0] = cut[spans[i].d1] = true;
	}
	for (int d = 0; d < days; d++)
		if (cut[d]) {
			start[nseg] = d;
			seg[nseg] = (struct odn_part){ .key = (uint32_t)nseg };
			nseg++;
		}
	start[nseg] = days;
	for (int s = 0; s < nseg; s++)
		seg[s].weight = start[s + 1] - start[s];
	if (odn_split(total, seg, (size_t)nseg))
		return AMR_EINVAL;
	for (size_t i = 0; i < n; i++) {
		spans[i].part = 0;
		for (int s = 0; s < nseg; s++)
			if (start[s] >= spans[i].d0 && start[s + 1] <= spans[i].d1)
				spans[i].part += seg[s].part;
	}
	return AMR_OK;
}

static const int64_t pow10_tab[] = {
	1,	  10,	     100,	 1000,		10000,		100000,		1000000,
	10000000, 100000000, 1000000000, 10000000000LL, 100000000000LL, 1000000000000LL
};

amr_err odn_units(const struct money_qty *q, int dec, int64_t *units)
{
	__int128 v;

	if (q->dec > dec || dec > 12 || q->dec < 0)
		return AMR_EINVAL;
	v = (__int128)q->v * pow10_tab[dec - q->dec];
	if (v > MONEY_QTY_MAX || v < -MONEY_QTY_MAX)
		return AMR_EINVAL;
	*units = (int64_t)v;
	return AMR_OK;
}

amr_err odn_balance(const struct odn_input *in, struct odn_result *out)
{
	struct odn_result r = { 0 };
	int64_t diff, cap = 0, dist;

	r.dec = in->house.dec > in->premises.dec ? in->house.dec : in->premises.dec;
	if (money_qty_sub(&in->house, &in->premises, &r.diff) || odn_units(&r.diff, r.dec, &diff))
		return AMR_EINVAL;
	r.diff = (struct money_qty){ diff, r.dec };
	if (!in->uncapped && in->has_norm) {
		/* norm x area has norm.dec + 2 decimals; down to dec, never above */
		__int128 c = (__int128)in->norm.v * in->common_area;
		int cdec = in->norm.dec + 2;

		if (cdec > r.dec)
			c /= pow10_tab[cdec - r.dec];
		else
			c *= pow10_tab[r.dec - cdec];
		if (c > MONEY_QTY_MAX)
			return AMR_EINVAL;
		cap = (int64_t)c;
	}
	r.cap = (struct money_qty){ cap, r.dec };
	r.negative = diff < 0;
	dist = diff < 0 ? 0 : diff;
	if (!in->uncapped && dist > cap) {
		dist = cap;
		r.capped = true;
	}
	r.distributed = (struct money_qty){ dist, r.dec };
	r.excess = (struct money_qty){ diff < 0 ? 0 : diff - dist, r.dec };
	*out = r;
	return AMR_OK;
}

char *odn_percent(const struct money_qty *diff, const struct money_qty *house, char *buf)
{
	int dec = diff->dec > house->dec ? diff->dec : house->dec;
	int64_t d, h;
	__int128 p;
	unsigned long long a;

	if (odn_units(diff, dec, &d) || odn_units(house, dec, &h) || h == 0)
		return NULL;
	p = money_round_div((__int128)d * 10000, h); /* hundredths of a per cent */
	a = (unsigned long long)(p < 0 ? -p : p);
	snprintf(buf, MONEY_STR_MAX, "%s%llu.%02llu", p < 0 ? "-" : "", a / 100, a % 100);
	return buf;
}
