/*
 * runint.h - what the files of the billing run share (run.c: the methods
 * and the archive calls; runplan.c: a building's records read and the
 * archive's answers asked for; runcalc.c: the invoices made of them;
 * runline.c: lines and amounts). Internal names carry "run__".
 *
 * A run is worked in three steps. The plan reads everything of a building
 * and period inside one read transaction into plain arrays, and lists the
 * "needs": one channel's consumption over one span of days of a month
 * (the period, or an earlier month to recalculate), asked of the source
 * its meter is in. The needs go to the archives in batches of channels
 * with the same span. Once every answer is in, the calculation makes the
 * premises' months, the invoices and the run's summary; run.c stores them
 * in one write transaction.
 */
#ifndef AMR_BILLING_RUNINT_H
#define AMR_BILLING_RUNINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "basis.h"
#include "err.h"
#include "invstore.h"
#include "journal.h"
#include "auditq.h"
#include "rpc.h"
#include "svc.h"
#include "ledger.h"
#include "money.h"
#include "month.h"
#include "tariff.h"

#define RUN_CHAN_LEN	24  /* "65000.127.4" and its NUL */
#define RUN_CTX_MAX	16  /* months of one run: the period and those recalculated */
#define RUN_WARN_MAX	100 /* warnings kept in a run's summary */
#define RUN_RECALC_BACK 12  /* months back a recalculation still looks */

/* A month the run asks the archive about: [0] the period. */
struct run__ctx {
	struct month m;		       /* the month */
	char period[MONTH_LEN];	       /* "2026-10" */
	int days;		       /* its days */
	int64_t t[MONTH_DAYS_MAX + 1]; /* UTC of each local midnight, t[days] the next month's */
};

/* A service with the tariff in force for the period. */
struct run__service {
	uint32_t id;		  /* its record */
	char code[16];		  /* cold_water, ..., maintenance */
	char name[201];		  /* for the lines */
	char unit[8];		  /* m3, kWh, ... */
	int resource;		  /* index in model_resources, -1 for none */
	bool has_norm;		  /* a norm per resident is set */
	struct money_qty norm;	  /* units per resident a month */
	bool priced;		  /* a tariff has a version in force */
	uint32_t tariff, version; /* which */
	struct tariff_version v;  /* its prices */
	json_t *vrec;		  /* the version's record (owned) */
	int zset;		  /* zones asked of the archive (tou), or -1 */
	bool quantity;		  /* the kind bills a quantity (per_unit, tou, tiered) */
	bool house_heat;	  /* heat shared from the house meter by area */
};

struct run__premises {
	uint32_t id;		 /* its record */
	char number[24];	 /* "12" */
	bool residential;	 /* a flat */
	int64_t area;		 /* m2 x 100 */
	int64_t residents;	 /* registered */
	bool meter_possible;	 /* x 1.5 on the norm without a meter */
	size_t *hold, nh;	 /* its holdings: indexes into holdings (owned) */
	size_t *mtr, nm;	 /* its meters: indexes into meters (owned) */
	bool has_res[5];	 /* billed a quantity of resource i (model_resources) */
	struct money_qty res[5]; /* that quantity, for the whole month (ОДН) */
	/* what it is billed for the waters, [0] cold, [1] hot: wastewater's input */
	bool has_water[2];
	struct money_qty water[2];
	enum basis_kind water_basis[2];
};

struct run__account {
	uint32_t id;	  /* its record */
	char number[32];  /* the лицевой счёт */
	char holder[301]; /* who */
	json_t *inv;	  /* the invoice being made (owned), NULL until a line */
	money_kop total;  /* its lines added up */
	/* its reliefs (runrelief.c), for an account holding premises in the period */
	json_t *rec;	     /* its record (owned), NULL for one only recalculated */
	bool leaves;	     /* holds none of the building's premises after the period */
	money_kop *deferred; /* per instalment: what its first month's invoice
				deferred, -1 none (owned, NULL without instalments) */
};

/* An account's holding of a premises, over days [d0, d1) of the period. */
struct run__holding {
	size_t acc;		   /* index into accounts */
	size_t p;		   /* index into premises */
	int d0, d1;		   /* the days */
	unsigned long num, den;	   /* ownership share */
	char share[24];		   /* as written, "" for the whole */
	json_t *entry;		   /* its entry in the invoice's "premises" (borrowed) */
	struct money_qty water[2]; /* cold and hot water billed to it, for wastewater */
};

/* A meter assignment over days [d0, d1) of the period. */
struct run__meter {
	uint32_t id; /* its record */
	size_t p, s; /* premises and service */
	char channel[RUN_CHAN_LEN];
	int src;		  /* source index */
	int d0, d1;		  /* the days */
	bool verified;		  /* not past verification_due */
	size_t need;		  /* its premises-level need */
	size_t u0, nu;		  /* its uses: uses[u0 .. u0+nu) */
	char from[11];		  /* the assignment's first day */
	struct money_qty initial; /* what the meter showed on it */
	char serial[65];	  /* as written, "" for none */
};

/* Where a use's meter reading starts (runread.c). */
enum run__read {
	RUN_READ_NONE,	  /* no reading: not billed by meter, or not answered */
	RUN_READ_INITIAL, /* the use starts on the assignment's first day */
	RUN_READ_ASKED	  /* the initial reading plus rneeds[rn] */
};

/* A meter's days within one holding: the holding's own quantity. */
struct run__use {
	size_t meter, holding, need;
	enum run__read read; /* where its reading starts */
	size_t rn;	     /* RUN_READ_ASKED: the need of it */
};

/* A channel's consumption from its assignment's first day to where a use
 * begins: what its meter counted before the reading there. */
struct run__rneed {
	char channel[RUN_CHAN_LEN];
	bool answered;	      /* the answer is in */
	char unit[16];	      /* the channel's unit */
	struct money_qty qty; /* the quantity */
};

/* The reading needs of one source over one span: one request each
 * RUN_BATCH channels. */
struct run__rgroup {
	int src;
	int64_t from, to;      /* [from, to), UTC */
	size_t *needs, n, cap; /* indexes into rneeds (owned) */
};

/* One channel's consumption over days [d0, d1) of month ctx, and the
 * archive's answer. */
struct run__need {
	int src, ctx, d0, d1, zset; /* what is asked */
	char channel[RUN_CHAN_LEN];
	size_t group;				 /* the batch it goes in */
	bool answered;				 /* the answer is in */
	bool never_seen;			 /* the archive never saw the channel */
	struct money_qty qty;			 /* the quantity */
	struct money_qty zone[TARIFF_ZONES_MAX]; /* per zone of the service's kind */
	char unit[16];				 /* the channel's unit */
	bool has_cov;				 /* the answer had coverage */
	long long hours, quarantined, lumped;	 /* coverage */
};

/* Needs with the same source, month, span and zones: one request each
 * RUN_BATCH channels. */
struct run__group {
	int src, ctx, d0, d1, zset;
	size_t *needs, n, cap;
};

/* An earlier month of a premises' service billed by average or norm
 * while a meter was assigned, waiting for readings. */
struct run__pending {
	size_t p;	      /* premises */
	uint32_t service;     /* its service */
	int ctx;	      /* the month */
	json_t *rec;	      /* its premises' month record (owned) */
	json_t *ww;	      /* the premises' wastewater of that month, or NULL (owned) */
	size_t need0, nneeds; /* needs[need0 .. need0+nneeds): its channels */
	bool done;	      /* recalculated in this run */
};

/* A house meter of a resource over days [d0, d1) of the period. */
struct run__house {
	int resource; /* index in model_resources */
	char channel[RUN_CHAN_LEN];
	int src;
	size_t need;
};

struct archcl;

struct run {
	struct archcl *a;  /* the sources (borrowed) */
	uint32_t building; /* the building */
	char tz[65];	   /* its zone */
	uint32_t org;	   /* its organisation */
	json_t *brec;	   /* its record (owned) */
	char actor[101];   /* who asked */
	struct run__ctx ctx[RUN_CTX_MAX];
	size_t nctx;
	struct run__service *services;
	size_t nservices;
	struct run__premises *premises;
	size_t npremises;
	struct run__account *accounts;
	size_t naccounts;
	struct run__holding *holdings;
	size_t nholdings;
	struct run__meter *meters;
	size_t nmeters;
	struct run__use *uses;
	size_t nuses;
	struct run__need *needs;
	size_t nneeds;
	struct run__group *groups;
	size_t ngroups;
	struct run__pending *pending;
	size_t npending;
	struct run__house *house;
	size_t nhouse;
	struct run__rneed *rneeds; /* the meters' readings (runread.c) */
	size_t nrneeds, cap_rn;
	struct run__rgroup *rgroups;
	size_t nrgroups, cap_rg;
	json_t *zsets;		 /* zones asked of the archive: an array of arrays */
	unsigned heating_months; /* bit m for month m */
	/* results */
	json_t *prem_months;	      /* [{"premises","service","rec"}] to store */
	json_t *recalcs;	      /* [{"premises","service","period"}] recalculated */
	json_t *adjusts;	      /* adjustments waiting for this run (invstore.h) */
	json_t *adjusted;	      /* [{"account","seq"}] billed by this run */
	json_t *balance;	      /* per resource with a house meter */
	size_t nlines[BASIS_END];     /* lines by basis */
	money_kop amounts[BASIS_END]; /* and their amounts */
	json_t *warnings;	      /* what an accountant should look at */
	size_t nwarnings;	      /* all of them, kept or not */
	char failed[400];	      /* why the run failed, "" when it did not */
};

/* The run's methods' state (run.c). */
struct runsvc {
	struct svc *s; /* borrowed, as every field */
	ledger *l;
	invstore *is;
	journal *j;
	auditq *q;
	struct archcl *a;
	struct run__draft *drafts; /* drafts waiting for archives */
};

/* A draft waiting for the archives. */
struct run__draft {
	struct runsvc *m;
	rpc_req *req; /* answered when every call is in */
	struct run *r;
	size_t calls;		 /* calls out */
	uint64_t t0;		 /* when it started, ms */
	uint64_t t_plan;	 /* when the plan was made */
	size_t requests;	 /* archive requests made */
	char error[700];	 /* the first source that failed, "" when none */
	bool no_tz_warned;	 /* the run says once that an archive takes no tz */
	struct run__draft *next; /* the module's list */
	bool read_asked;	 /* the meters' readings were asked for */
};

/* Free a draft and its run. */
void run__draft_free(struct run__draft *d);

/* Every call of d is answered: ask for the readings once, then make and
 * store the invoices and answer d's request; d is freed. */
void run__draft_finish(struct run__draft *d);

/* The draft of building's period being made, or NULL. */
struct run__draft *run__busy(struct runsvc *m, uint32_t building, const char *period);

/* A source as messages name it: "\"north\"", or "own" for billing's
 * broker (a static buffer, valid until the next call). */
const char *run__source_label(const struct run *r, int src);

/* Count a run (what: draft or issue) by result: ok, refused, failed. */
void run__count_run(struct runsvc *m, const char *what, const char *result);

/* t as "2026-12-31T21:00:00Z" into buf. Returns buf. */
char *run__utc(int64_t t, char *buf, size_t size);

/* building, period (and actor, when not NULL) of a run's request, only
 * fields. Returns AMR_OK or AMR_EINVAL with err. */
int run__args(const json_t *args, const char *const *fields, long long *building, struct month *m,
	      const char **actor, struct jv_err *err);

/* Inside txn: the audit record of action on building's period (r, or
 * building/period for an issue) by actor with detail (taken) into *out
 * and the outbox. Returns 0 or an LMDB/amr code. */
int run__audit(struct runsvc *m, MDB_txn *txn, const char *actor, const char *action,
	       uint32_t building, const char *period, json_t *detail, json_t **out);

/* run.draft, run.issue and invoice.adjust. */
void run__m_draft(void *ctx, rpc_req *req, json_t *args);
void run__m_issue(void *ctx, rpc_req *req, json_t *args);
void run__m_adjust(void *ctx, rpc_req *req, json_t *args);

/* Answer req with the failure rc: err's message, or what rc is. */
void run__reply_rc(rpc_req *req, int rc, const struct jv_err *err, const char *what);

/* The read methods (invoice.c). */
void run__m_get(void *ctx, rpc_req *req, json_t *args);
void run__m_list(void *ctx, rpc_req *req, json_t *args);
void run__m_invoice_get(void *ctx, rpc_req *req, json_t *args);
void run__m_invoice_list(void *ctx, rpc_req *req, json_t *args);
void run__m_balance(void *ctx, rpc_req *req, json_t *args);

/* Free everything of r and r itself. Accepts NULL. */
void run__free(struct run *r);

/* Room for one more element of arr (n used of *cap, size bytes each):
 * arr, or the array moved; NULL when out of memory (arr is then still
 * the caller's). */
void *run__grow(void *arr, size_t n, size_t *cap, size_t size);

/* Add a warning (printf format) to r's summary. */
void run__warn(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The plan: read building's records and history for period (ctx[0] is
 * set by the caller, with tz) inside txn into a new run, and list its
 * needs and groups. The sources are looked up in a (a meter of an unknown
 * source fails the plan, naming the meter). Returns AMR_OK, AMR_EINVAL
 * with the reason in err (nothing to bill, a tariff of an unknown kind),
 * AMR_ENOMEM or AMR_EDB.
 */
amr_err run__plan(ledger *l, invstore *is, MDB_txn *txn, struct archcl *a, uint32_t building,
		  const struct month *period, const char *actor, struct run **out,
		  struct jv_err *err);

/* Read the archive's answer items (borrowed) of group g into its needs.
 * Returns AMR_OK or AMR_EPROTO (an answer that does not fit the request). */
amr_err run__answer(struct run *r, size_t g, const size_t *needs, size_t n, const json_t *items);

/* The history lookup the calculation uses: the issued months of premises
 * p's service s before the period, into hist (at most BASIS_HIST_MAX);
 * *n how many. */
typedef int (*run__hist_fn)(void *ctx, const struct run *r, size_t p, size_t s,
			    struct basis_month *hist, size_t *n);

/* Make the invoices (each account's inv), the premises' months and the
 * balance once every need is answered. Returns AMR_OK, AMR_EINVAL with
 * the reason in r->failed, or AMR_ENOMEM. */
amr_err run__calc(struct run *r, run__hist_fn hist, void *hist_ctx);

/* The run's summary record (new value). */
json_t *run__summary(const struct run *r, int64_t made);

/* Lines and invoices (runline.c). */

/* price x qty x num / den, rounded once half away from zero, into *out.
 * Returns AMR_OK or AMR_EINVAL on overflow. */
amr_err run__amount(int64_t price, const struct money_qty *q, unsigned long long num,
		    unsigned long long den, money_kop *out);

/* q in units of dec (q's decimals at most dec); false on overflow. */
bool run__units(const struct money_qty *q, int dec, int64_t *out);

/* The run's service of record id, or NULL (the run's own arrays, as
 * strchr() hands back its string). */
struct run__service *run__service_find(const struct run *r, uint32_t id);

/* A line of service s (new value): the fields every line has. */
json_t *run__line(const struct run__service *s, enum basis_kind b, const char *name,
		  const struct money_qty *q, int64_t price, money_kop amount);

/* The invoice entry of holding h, made on first use (borrowed). */
json_t *run__entry(struct run *r, size_t h);

/* The entry of account acc for premises p: its holding's in the period,
 * else one of its own (a recalculation of a month it held; borrowed). */
json_t *run__entry_of(struct run *r, size_t acc, size_t p);

/* Add line (taken) to entry of account acc, counting it by basis b. */
amr_err run__add_line(struct run *r, size_t acc, json_t *entry, json_t *line, enum basis_kind b,
		      money_kop amount);

/*
 * Bill holding h for service s on basis b: the lines of s's tariff for in,
 * each amount price x quantity x share x fnum / fden (fnum / fden: the
 * days held of a monthly charge, else 1), rounded once. reason, when not
 * NULL, goes on every line. Returns AMR_OK, AMR_EINVAL (an amount out of
 * range: r->failed says where) or AMR_ENOMEM.
 */
amr_err run__charge(struct run *r, size_t h, const struct run__service *s, enum basis_kind b,
		    const struct tariff_input *in, unsigned long long fnum, unsigned long long fden,
		    const char *reason);

/* The parts of q (units of its decimals) prorated by days over the
 * holdings of premises p, into parts[0..p->nh). Returns AMR_OK or
 * AMR_EINVAL. */
amr_err run__prorate(const struct run *r, size_t p, const struct money_qty *q,
		     struct money_qty *parts);

/* The ОДН, the house's heat and the balance (runodn.c): heat shared by
 * area before the premises are billed, ОДН after. */
amr_err run__house_heat(struct run *r, struct money_qty *parts, size_t s);
amr_err run__odn(struct run *r);

/* Benefits, subsidies and instalments (runrelief.c). */

/* Inside txn: for each account's instalment begun before the period,
 * what the invoice of its first month deferred (a->deferred); and
 * whether the account leaves the building with the period. Returns
 * AMR_OK, AMR_ENOMEM or an invstore code. */
int run__reliefs_read(struct run *r, invstore *is, MDB_txn *txn);

/* The lines of the accounts' benefits, subsidies and instalments, after
 * the month's own lines and the ОДН. Returns AMR_OK, AMR_EINVAL (with
 * r->failed) or AMR_ENOMEM. */
amr_err run__reliefs(struct run *r);

/* The recalculations of the waiting months (runrecalc.c). */
amr_err run__recalc(struct run *r);

/* The adjustments of issued invoices waiting for this run, each a line
 * on its account's invoice (runadjust.c). */
amr_err run__adjustments(struct run *r);

/* The meters' readings (runread.c). */

/* Meter m's initial reading, first day and serial from its record rec.
 * Returns AMR_OK or AMR_EDB (a stored initial that is not a quantity). */
amr_err run__meter_read(struct run__meter *m, const json_t *rec);

/* Once the archives have answered: ask each source for the consumption
 * of every channel billed by meter from its assignment's first day to
 * where each of its uses begins, one request per source and span
 * (RUN_BATCH channels each). Returns true when requests are out (d is
 * finished when they are answered), false when none is needed. */
bool run__read_ask(struct run__draft *d);

/* Use u's meter reading on its holding's invoice entry, when it has
 * one: initial plus what its meter counted before the use, then plus the
 * use's quantity. Returns AMR_OK or AMR_ENOMEM. */
amr_err run__reading(struct run *r, size_t u);

/* Free what the readings hold of r. */
void run__read_free(struct run *r);

/* Whether need n gave usable data for service unit: false with the reason
 * in why. */
bool run__usable(const struct run__need *n, const char *unit, char *why, size_t size);

#endif
