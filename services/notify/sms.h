/*
 * sms.h - amr-notify's SMS channel: one message per send() to a Kannel
 * SMS gateway's sendsms interface (smsbox's HTTP port) through libcurl,
 * keeping the contract of transport.h. Kannel talks to the operator's
 * SMS centre; this channel only talks to Kannel.
 *
 * Each send() makes one HTTP GET, never through a proxy (http_proxy is
 * ignored: Kannel is on the operator's own network), and closes:
 *
 *   <url>?username=<user>&password=<password>&to=%2B79001234567
 *        &text=<UTF-8, url-encoded>&charset=UTF-8
 *        [&coding=2]                    (text that GSM 7-bit cannot hold)
 *        [&from=<from>]                 (else the sendsms-user's default-sender)
 *        [&dlr-mask=31&dlr-url=<dlr_url with %KEY% = msg->key, url-encoded>]
 *
 * Text that is printable ASCII (but '`', which GSM 03.38 lacks) and line
 * ends goes as GSM 7-bit: 160 characters in one SMS, 153 per part of a
 * longer one. Anything else (Cyrillic) goes as UCS-2 (coding=2; Kannel
 * converts from charset=UTF-8): 70 characters in one SMS, 67 per part
 * (issue 17). Kannel does the splitting and adds the concatenation header
 * (UDH 05 00 03 ref total seq) itself, but only when the sendsms-user has
 *
 *   max-messages = 4            (parts allowed; the longest alarm text must
 *   concatenation = true         fit: Kannel puts what is left over into the
 *                                last part, too long for an SMS centre)
 *
 * (Kannel's user guide, "SendSMS-user configurations"; a sendsms-user
 * without max-messages sends one part). The sendsms-user also needs a
 * default-sender when from is NULL, or Kannel answers 400 "Sender
 * missing and no global set".
 *
 * The key travels as the delivery report's id: with dlr_url set, every
 * message asks Kannel for delivery reports of the states of dlr-mask 31
 * = 1 delivered to the phone + 2 not delivered to the phone + 4 queued
 * on the SMS centre (the phone is off) + 8 accepted by the SMS centre +
 * 16 rejected by the SMS centre (the user guide, "SMS Delivery Reports"), and
 * Kannel fetches dlr_url for each, with "%KEY%" replaced by msg->key and
 * its own escapes filled in: %d the state (1, 2, 4, 8, 16), %A the SMS
 * centre's answer, %p the receiver. A template reads
 * "http://127.0.0.1:8080/sms/dlr?key=%KEY%&status=%d". Kannel sends one
 * report per state for the whole message, however many parts it took. A
 * duplicate (the outbox resending after a RETRY or a crash) carries the
 * same key. Without dlr_url no report is asked for and the key does not
 * travel.
 *
 * Results (transport.h; Kannel's codes are the user guide's "SMS Push
 * reply codes"): HTTP 2xx ("0: Accepted for delivery", "3: Queued for
 * later delivery": Kannel took it; the SMS centre's verdict comes as a
 * delivery report) is SENT; no connection, a timeout, HTTP 5xx and 429
 * ("503: Temporal failure, try again later.") are RETRY; HTTP 4xx (403
 * "Authorization failed for sendsms", 403 "Not routable", 400 "... field
 * misformed, rejected"), any other answer, a URL or TLS that cannot work,
 * and a message we will not send are FAILED, the last before any
 * connection: a to that is not '+' and 7 to 15 digits (E.164), a key that
 * is not 1 to 64 of A-Z a-z 0-9 . _ ~ - (with dlr_url: it goes into a URL
 * where Kannel reads '%' as its own escape), a text that is empty, not
 * UTF-8, or holds control characters but CR, LF and tab. why reads "sms
 * 403: Authorization failed for sendsms", "sms: Failed to connect to
 * 127.0.0.1 port 13013 ...: Couldn't connect to server" or "sms: to
 * \"8900\" is not + and 7 to 15 digits"; it never holds the password.
 */
#ifndef AMR_NOTIFY_SMS_H
#define AMR_NOTIFY_SMS_H

#include "err.h"
#include "transport.h"

/* Where and how to send (every string borrowed by sms_create, which
 * copies them). */
struct sms_conf {
	const char *url;      /* Kannel's sendsms: "http://127.0.0.1:13013/cgi-bin/sendsms" */
	const char *user;     /* the sendsms-user's username */
	const char *password; /* and its password */
	const char *from;     /* sender id ("+79001234567", "AMR"), may be NULL */
	const char *dlr_url;  /* delivery-report URL template with "%KEY%", may be NULL */
	unsigned timeout_ms;  /* whole request, connect included; not 0 */
};

/*
 * Fill *out as the "sms" channel: out->ctx is a new copy of c (the caller
 * frees it with sms_destroy), out->send sends one message. libcurl must
 * have been initialised (smtp_global_init() in main). Returns AMR_OK;
 * AMR_EINVAL when c lacks url, user, password or timeout_ms, the url is
 * not http:// or https:// (or this libcurl lacks it), from is neither '+'
 * and up to 20 digits nor 1 to 11 printable ASCII characters (what an SMS
 * sender address holds), or dlr_url is not an http(s):// URL of printable
 * ASCII without spaces holding "%KEY%"; AMR_ENOMEM. Logs the reason; *out
 * is unchanged on error. An http:// url on another host is allowed with a
 * warning: the password then travels in clear.
 */
amr_err sms_create(struct transport *out, const struct sms_conf *c);

/* Free what sms_create() made and clear *t. Accepts NULL, a cleared or a
 * never filled (zeroed) transport. */
void sms_destroy(struct transport *t);

#endif
