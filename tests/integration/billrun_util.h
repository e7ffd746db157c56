/*
 * billrun_util.h - what the billing run's integration tests share: calls
 * of any service's methods with printf-made arguments, records created
 * in amr-billing, readings fed to amr-archive as canonical batches (past
 * times included: the archive judges a batch's ts by its "rx"), the
 * archive's own consumption of a channel, and an invoice's lines looked
 * up.
 *
 * Every function asserts (Check) on failure instead of returning an error.
 */
#ifndef AMR_TEST_BILLRUN_UTIL_H
#define AMR_TEST_BILLRUN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "harness.h"

/* service/method with args (a printf format): the result (new). */
json_t *br_call(struct harness *h, const char *method, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The call is refused with code and a message starting with want. */
void br_refused(struct harness *h, const char *method, const char *code, const char *want,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* billing/<kind>.create with the fields (a printf format, without the
 * braces; "actor" is added): the new record's id. */
long long br_create(struct harness *h, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The organisation of BR_ORG, with a key rate of 16 % from 2020 (an issue
 * charges the penalties accrued, which need the rate): its id. */
long long br_org(struct harness *h);

/* A service of org: code, name, unit and more fields (JSON members, or
 * ""): its id. */
long long br_service(struct harness *h, long long org, const char *code, const char *name,
		     const char *unit, const char *more);

/* A tariff of kind for service of org, named name, with one version
 * from 2020-01-01 of the price fields fields (JSON members, e.g.
 * "\"price\":\"42.30\""): the version's id. */
long long br_tariff(struct harness *h, long long org, long long service, const char *name,
		    const char *kind, const char *fields);

/* Call fn(entry, arg) for every journal entry of account in amr-billing's
 * environment (which must be stopped) in h's data directory. */
struct journal_entry;
void br_journal(struct harness *h, long long account,
		int (*fn)(const struct journal_entry *e, void *arg), void *arg);

/* Start amr-billing with args (NULL-terminated, may be NULL) and extra
 * environment env (may be NULL); wait for its online status. */
pid_t br_billing_start(struct harness *h, const char *const *args, const char *const *env);

/* A valid organisation's fields. */
#define BR_ORG                                                                                             \
	"\"name\":\"ТСЖ «Берёзка»\",\"inn\":\"7707083893\",\"kpp\":\"773601001\","             \
	"\"account\":\"40703810538000001234\",\"bank\":\"ПАО Сбербанк\",\"bik\":\"044525225\"," \
	"\"corr_account\":\"30101810400000000225\""

/* A gateway of object obj sending canonical batches straight to the
 * archive: totals per channel, the first reading of a channel delta 0. */
struct feed {
	struct harness *h;
	int obj;
	uint64_t seq;
	uint32_t total[128][5];
	bool seen[128][5];
};

struct feed_reading {
	int addr, ch;	/* the channel */
	uint32_t delta; /* pulses since the last reading */
};

void feed_init(struct feed *f, struct harness *h, int obj);

/* The next batch at ts with readings r[0..n), as text (new), not sent. */
char *feed_batch(struct feed *f, int64_t ts, const struct feed_reading *r, size_t n);

/* One batch at ts with readings r[0..n), and wait until it is stored. */
void feed_send(struct feed *f, int64_t ts, const struct feed_reading *r, size_t n);

/* registry.set of channel: unit and a weight of 1/den unit per pulse. */
void br_channel_unit(struct harness *h, const char *channel, const char *unit, int den);

/* The archive's quantity of channel over [from, to) (a new string). */
char *br_consumption(struct harness *h, const char *channel, int64_t from, int64_t to);

/* The first line of inv for premises (0: any), service code, basis (NULL:
 * any) and line name (NULL: any; "" the kind's one line); borrowed, NULL
 * when there is none. */
json_t *br_line(const json_t *inv, long long premises, const char *code, const char *basis,
		const char *line);

/* The quantity string of that line; the test fails when there is none. */
const char *br_qty(const json_t *inv, long long premises, const char *code, const char *basis,
		   const char *line);

/* The invoice of account for building and period (new). */
json_t *br_invoice(struct harness *h, const char *period, long long building, long long account);

/* A quantity of 3 decimals "12.345" as thousandths; the test fails on
 * any other form. */
long long br_milli(const char *s);

/* The sum of a list of decimal strings, exactly, as a decimal string of
 * dec decimals into buf (64 bytes). */
char *br_sum(char *buf, int dec, const char *const *q, size_t n);

#endif
