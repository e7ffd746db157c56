/*
 * reportint.h - what the files of the reports share (report.c: the
 * method, the arguments every report takes and the table a report is
 * made of; report_journal.c: turnover and payments, from the journal;
 * report_invoice.c: charges, balance and readings, from the run's
 * records; report_debt.c: debtors). Internal names carry "report__".
 *
 * A report is built inside one read transaction into the table of
 * tabout.h: {"title","subtitle","columns","rows","totals"?,"chart"?,
 * "orientation","made"} plus what a program reading the JSON wants
 * ("report", "params", "unit"...). Money is kopecks until a cell is
 * written, quantities exact decimals (money_qty): never a double.
 */
#ifndef AMR_BILLING_REPORTINT_H
#define AMR_BILLING_REPORTINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "calendar.h"
#include "invstore.h"
#include "journal.h"
#include "ledger.h"
#include "money.h"
#include "recstore.h"
#include "report.h"
#include "rpc_file.h"
#include "tabout.h"
#include "tzone.h"

struct report__job;

struct report {
	struct svc *s;		  /* borrowed */
	ledger *l;		  /* borrowed */
	journal *j;		  /* borrowed */
	invstore *is;		  /* borrowed */
	archcl *a;		  /* borrowed */
	recstore *imports;	  /* the registries imported ("payimp"), for a payment's file */
	filejob *fj;		  /* borrowed: renders the files */
	struct report__job *jobs; /* reports waiting for archives */
};

/* What one report is asked. */
struct report__ask {
	report *r;	    /* the module */
	MDB_txn *txn;	    /* the read transaction */
	const json_t *args; /* the request's args (borrowed) */
	bool en;	    /* "lang":"en" */
	struct jv_err *err; /* what was wrong */
};

/* A column of a table: its key, titles in Russian and English, type
 * (tabout.h: text, int, money, decimal, percent, date). */
struct report__col {
	const char *key;
	const char *ru, *en;
	const char *type;
};

/* ru or en as the ask wants. */
const char *report__tr(const struct report__ask *q, const char *ru, const char *en);

/* A new table {"report":kind,"title","subtitle","columns","rows":[],
 * "orientation","made"} of cols[0..n). NULL when out of memory. */
json_t *report__table(const struct report__ask *q, const char *kind, const char *title,
		      const char *subtitle, const struct report__col *cols, size_t n,
		      bool landscape);

/* Append row (taken) to table's rows. Returns AMR_OK or AMR_ENOMEM. */
int report__row(json_t *table, json_t *row);

/* Set cell key of obj: money v as "1234.56", a quantity as its decimal,
 * a date as "YYYY-MM-DD". Return AMR_OK or AMR_ENOMEM. */
int report__money(json_t *obj, const char *key, money_kop v);
int report__qty(json_t *obj, const char *key, const struct money_qty *q);
int report__day(json_t *obj, const char *key, cal_day d);

/* A signed decimal "-1.234" (the run writes negative quantities of
 * recalculations) into *out. Returns AMR_OK or AMR_EINVAL. */
int report__qty_parse(const char *s, struct money_qty *out);

/* Sort table's rows by the text cell key, numbers of digits as numbers
 * (odn_number_cmp: 9 before 10); equal keys keep their order. */
void report__sort_rows(json_t *table, const char *key);

/* The unit's short name ("м³", "кВт·ч"; "m³", "kWh") of a service unit
 * ("m3", "kWh"). Static. */
const char *report__unit(const struct report__ask *q, const char *unit);

/* The date field of args into *out (required, or today when absent and
 * not required). Returns AMR_OK or AMR_EINVAL naming the field. */
int report__date(const struct report__ask *q, const char *field, bool required, cal_day *out);

/* The period field of args ("YYYY-MM") into period (MONTH_LEN bytes).
 * Returns AMR_OK or AMR_EINVAL naming it. */
int report__period(const struct report__ask *q, char *period);

/* Record kind id named by args' field (required or not: 0 when absent),
 * read into *rec (new; NULL when absent). Refused: not an id
 * (AMR_EINVAL), no such record (AMR_ENOTFOUND, "building: there is no
 * building 9"). */
int report__record(const struct report__ask *q, const char *field, enum model_kind k, bool required,
		   uint32_t *id, json_t **rec);

/* The building args name ("building", required) into *id, its record
 * and its organisation's (new) into *b and *org. Codes as
 * report__record(). */
int report__building(const struct report__ask *q, uint32_t *id, json_t **b, json_t **org);

/* An account a report goes over, with the premises it held. */
struct report__account {
	uint32_t id;	      /* its record */
	const json_t *rec;    /* the record (borrowed for the call) */
	const char *premises; /* the numbers of the premises it held in the span,
			       * ", " between them (borrowed for the call) */
};

/* Call fn(a, arg) for the accounts of org, in id order, that held a
 * premises of building (0: any, or none at all) on a day of [from, to]
 * (both included). fn returns 0 to go on, else stops with that code.
 * Returns 0, fn's code, AMR_ENOMEM or AMR_EDB. */
int report__accounts(const struct report__ask *q, uint32_t org, uint32_t building, cal_day from,
		     cal_day to, int (*fn)(const struct report__account *a, void *arg), void *arg);

/* The span "from".."to" of args (both days, to not before from), the
 * organisation ("org", required) and the building ("building"?, of that
 * organisation): what turnover and payments take. *org_rec and *b_rec
 * new (b_rec NULL without a building). */
struct report__span {
	cal_day from, to;
	uint32_t org, building;
	json_t *org_rec, *b_rec;
	char subtitle[512];
};
int report__span_args(const struct report__ask *q, struct report__span *sp);
void report__span_free(struct report__span *sp);

/* sp as {"org","from","to","building"?} (new), NULL when out of memory. */
json_t *report__span_params(const struct report__span *sp);

/* Answer req with the chunk args ask for of table t rendered as format
 * ("csv", "xlsx", "pdf") by the filejob (filejob.h): the file kept when
 * it shows the same, else rendered on a worker. Returns AMR_OK (req
 * taken: answered now or later), or an error (req not answered):
 * AMR_EINVAL, AMR_ENOMEM. */
int report__file(report *r, rpc_req *req, const char *kind, const json_t *t, const json_t *args,
		 const char *format, struct jv_err *err);

/* A channel a report asks an archive about, over [from, to) UTC, for
 * owner (the report's: a premises' index). */
struct report__chan {
	int src;	  /* the source (archcl.h) */
	char channel[24]; /* "1.5.1" */
	int64_t from, to; /* the span */
	size_t owner;	  /* whose */
};

/* A report waiting for the archives (report_archive.c). */
struct report__job {
	report *r;		    /* the module; NULL once it stopped */
	rpc_req *req;		    /* the request, answered at the end */
	json_t *args;		    /* its args (owned) */
	const char *kind;	    /* "consumption", "distribution" */
	char format[8];		    /* "json", "csv", ... */
	bool en;		    /* "lang":"en" */
	const char *method;	    /* "series" or "consumption" */
	const char *step;	    /* a series' step */
	const tzone_rules *tz;	    /* the building's zone */
	struct report__chan *chans; /* what is asked (owned) */
	size_t nchans, cap;
	json_t *table; /* the table, its rows made at the end (owned) */
	json_t *sums;  /* what the answers added up (owned) */
	/* take the answer for chans[first .. first+n): 0, or not 0 when it
	 * does not fit; make the rows of the table at the end */
	int (*answer)(struct report__job *j, size_t first, size_t n, const json_t *result);
	int (*finish)(struct report__job *j, struct jv_err *err);
	int calls;		  /* answers still to come */
	char error[400];	  /* the first failure, "" when none */
	struct report__job *next; /* in r->jobs */
};

/* Plan channel of source src over [from, to) for owner. AMR_OK or
 * AMR_ENOMEM. */
int report__chan_add(struct report__job *j, int src, const char *channel, int64_t from, int64_t to,
		     size_t owner);

/* Free j (not yet started, or answered). Accepts NULL. */
void report__job_free(struct report__job *j);

/* Send j's requests; it answers its request once the last has answered
 * (at once when there is none). Takes j. Returns AMR_OK. */
int report__jobs_start(struct report__job *j);

/* Answer every waiting report "shutdown" (they are freed by their last
 * answer). */
void report__jobs_stop(report *r);

/* Add decimal quantity to the sum under key of sums ({"t","v","dec"},
 * made at t when new). AMR_OK, AMR_EINVAL (not a decimal, overflow) or
 * AMR_ENOMEM. */
int report__add_qty(json_t *sums, const char *key, int64_t t, const char *quantity);

/* Count a report made (amr_billing_reports_total). */
void report__count(report *r, const char *kind, bool ok);

/* The asynchronous reports: plan the requests in read transaction
 * q->txn and start them (req then answered at the end); or refuse
 * (req not answered). Return codes as the others. */
int report__consumption(const struct report__ask *q, rpc_req *req, const char *format);
int report__distribution(const struct report__ask *q, rpc_req *req, const char *format);
int report__usage(const struct report__ask *q, rpc_req *req, const char *format);

/* A premises a report of the archives looks at, over days [d0, d1). */
struct report__held {
	uint32_t premises;
	cal_day d0, d1;
};

/* What the plan of a report of the archives is read into
 * (report_consumption.c): the premises held, the span, the job whose
 * channels it plans. */
struct report__plan {
	const struct report__ask *q;
	struct report__job *j;
	uint32_t org, service, building; /* building: distribution's */
	const char *code;		 /* the service's code asked for, or NULL */
	struct report__held *held;	 /* (owned) */
	size_t nheld, cap;
	cal_day from, to; /* the span, to excluded */
	json_t *numbers;  /* distribution: premises id -> its row (index) */
	bool one_owner;	  /* every channel planned is owner's, not its premises' index */
	size_t owner;	  /* (usage: which series) */
};

/* A new job of kind for req, answered in format, asking the archives'
 * method ("series", "consumption"); NULL when out of memory. */
struct report__job *report__job_new(const struct report__ask *q, rpc_req *req, const char *kind,
				    const char *format, const char *method);

/* The service of args ("service": an id, or a code of p->org) into p and
 * its record (new) into *rec. Codes as report__record(). */
int report__plan_service(struct report__plan *p, json_t **rec);

/* Premises pid held over [d0, d1), clipped to p's span, once. */
void report__plan_hold(struct report__plan *p, uint32_t pid, cal_day d0, cal_day d1);

/* The premises an account's holdings hold in p's span. */
void report__plan_holdings(struct report__plan *p, const json_t *acc);

/* ledger_scan of meters (arg: the plan): a meter of p's service in a held
 * premises plans its channel over the days both cover. */
int report__plan_meter(uint32_t id, const json_t *rec, void *arg);

/* The span's subtitle and the zone of the first premises' building into
 * p->j->tz. AMR_OK or AMR_EINVAL (a zone not known). */
int report__plan_span(struct report__plan *p, char *subtitle, size_t size);

/* "from" and "to" of the args (both days, included; at most 10 years)
 * into p->from, p->to (to excluded). AMR_OK or AMR_EINVAL. */
int report__plan_dates(struct report__plan *p);

/* The reports: each builds its table into *out (new). Returns AMR_OK;
 * AMR_EINVAL naming the field; AMR_ENOTFOUND naming what is missing;
 * AMR_ENOMEM, AMR_EDB. */
int report__turnover(const struct report__ask *q, json_t **out);
int report__payments(const struct report__ask *q, json_t **out);
int report__charges(const struct report__ask *q, json_t **out);
int report__balance(const struct report__ask *q, json_t **out);
int report__readings(const struct report__ask *q, json_t **out);
int report__debtors(const struct report__ask *q, json_t **out);

#endif
