/*
 * restr_notice.c - the warning a receipt carries while a restriction of
 * its account is proposed or noticed (Правила 354 п. 119: the notice may
 * be printed on the payment document). Each open case of the account
 * adds a paragraph naming the service, the debt past due and what
 * happens after 20 days; the receipt prints them in its framed notice
 * (docs/receipts.md, "What is on the page"; docs/restrictions.md, "The
 * notice on the receipt").
 */
#include <stdio.h>
#include <string.h>

#include "recdraw.h"
#include "restr_int.h"

#define NOTICE_MAX 1200 /* bytes of the notice: 8 lines of the frame */

struct notice {
	restr *r;
	MDB_txn *txn;
	uint32_t account;
	bool en;
	char text[NOTICE_MAX];
	size_t len;
};

static int case_fn(uint32_t id, const json_t *c, void *arg)
{
	struct notice *n = arg;
	const char *state = json_string_value(json_object_get(c, "state"));
	json_t *svc = NULL;
	char debt[RECDRAW_MONEY_MAX];
	const char *name;
	money_kop kop;
	int w;

	(void)id;
	if ((uint32_t)json_integer_value(json_object_get(c, "account")) != n->account || !state ||
	    (strcmp(state, "proposed") && strcmp(state, "noticed")))
		return 0;
	if (money_parse(json_string_value(json_object_get(c, "debt")), "debt", false, &kop, NULL))
		return 0;
	ledger_get(n->r->l, n->txn, MODEL_SERVICE,
		   (uint32_t)json_integer_value(json_object_get(c, "service_id")), &svc);
	name = json_string_value(json_object_get(svc, "name"));
	if (!name)
		name = json_string_value(json_object_get(c, "service"));
	recdraw_money(kop, debt);
	w = snprintf(
		n->text + n->len, sizeof n->text - n->len,
		n->en ? "%sWARNING of restriction of «%s»: the debt of %s ₽ exceeds two months' "
			"charges at the norm (Rules No. 354, cl. 118). Unless it is paid within "
			"20 days of the delivery of this warning, the service will be restricted, "
			"then suspended (cl. 119)."
		      : "%sПРЕДУПРЕЖДЕНИЕ об ограничении услуги «%s»: задолженность %s ₽ "
			"превышает сумму 2 месячных размеров платы по нормативу (Правила № 354, "
			"п. 118). Если она не будет погашена в течение 20 дней со дня доставки "
			"этого предупреждения, предоставление услуги будет ограничено, а затем "
			"приостановлено (п. 119).",
		n->len ? "\n" : "", name ? name : "?", debt);
	json_decref(svc);
	if (w < 0 || (size_t)w >= sizeof n->text - n->len) {
		n->text[n->len] = '\0'; /* a paragraph that does not fit is left out whole */
		return 1;
	}
	n->len += (size_t)w;
	return 0;
}

int restr_receipt_notice(restr *r, MDB_txn *txn, uint32_t account, const char *lang,
			 json_t *receipt)
{
	struct notice n = { r, txn, account, lang && !strcmp(lang, "en"), "", 0 };
	int rc;

	if (!r)
		return 0;
	if ((rc = recstore_scan(r->cases, txn, 0, case_fn, &n)) && rc != 1)
		return rc;
	if (!n.len)
		return 0;
	return json_object_set_new(receipt, "notice", json_string(n.text)) ? AMR_ENOMEM : 0;
}
