/*
 * kannel_util.h - a real Kannel SMS gateway for a test (Debian's kannel
 * and kannel-extras), in the harness's directory, on free loopback ports:
 *
 *   sms.c --HTTP sendsms--> smsbox --> bearerbox --> smsc "mt" (fake) --> fakesmsc
 *                                                <-- smsc "mo" (fake) <-- fakesmsc-mo
 *
 * kannel_start() writes <dir>/kannel.conf (core, two SMS centres of type
 * "fake", the smsbox, the sendsms-user KANNEL_USER that may split a text
 * into KANNEL_MAX_PARTS concatenated parts, an sms-service "default" that
 * answers every incoming SMS with KANNEL_REPLY), then starts bearerbox,
 * fakesmsc (connected to "mt": it prints every SMS Kannel sends, into
 * <dir>/fakesmsc.log) and smsbox with harness_spawn(), and waits until
 * the sendsms port answers. Their output goes to <dir>/<name>.log, the
 * access logs to <dir>/kannel-access.log (bearerbox: what went to the SMS
 * centre, with its coding) and <dir>/smsbox-access.log. kannel_stop()
 * stops them in the order Kannel shuts down quickly in (smsbox killed, the
 * fakesmscs, bearerbox last: see kannel_util.c); harness_stop() would
 * kill what is left anyway.
 *
 * The fake SMS centre makes delivery reports itself: for a message that
 * asked for them it reports 8 (accepted by the SMS centre) and 1
 * (delivered) once fakesmsc has taken it (gw/smsc/smsc_fake.c); smsbox
 * then fetches the message's dlr-url, which a kannel_dlr sink can take.
 */
#ifndef AMR_TEST_KANNEL_UTIL_H
#define AMR_TEST_KANNEL_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

#define KANNEL_BEARERBOX "/usr/sbin/bearerbox"
#define KANNEL_SMSBOX	 "/usr/sbin/smsbox"
#define KANNEL_FAKESMSC	 "/usr/lib/kannel/test/fakesmsc" /* kannel-extras */

#define KANNEL_USER	 "amr" /* the sendsms-user */
#define KANNEL_PASSWORD	 "sms-s3cret"
#define KANNEL_SENDER	 "AMR"	    /* its default-sender */
#define KANNEL_MAX_PARTS 4	    /* its max-messages */
#define KANNEL_REPLY	 "Received" /* the answer to an incoming SMS */

struct kannel {
	struct harness *h;
	int admin_port;	  /* bearerbox's admin HTTP */
	int box_port;	  /* bearerbox's port for smsbox */
	int mt_port;	  /* smsc "mt": fakesmsc connects here */
	int mo_port;	  /* smsc "mo": fakesmsc-mo connects here */
	int sendsms_port; /* smsbox's sendsms HTTP */
	char url[96];	  /* "http://127.0.0.1:<sendsms_port>/cgi-bin/sendsms" */
	pid_t bearerbox, smsbox, fakesmsc, fakesmsc_mo; /* 0: not running */
	long mo_mark; /* fakesmsc-mo.log's size when the last MO was sent */
};

/* One SMS as fakesmsc showed it ("Got message 1: <AMR +7900... udh
 * %05%00%03%01%02%01 data %04%12...>"), its data decoded. */
struct kannel_sms {
	char from[32];
	char to[32];
	char type[8];		 /* "text" (7-bit), "ucs-2", "data" (8-bit) or "udh" */
	unsigned char udh[32];	 /* with type "udh": the header, "05 00 03 ref total seq" */
	size_t udh_len;		 /* its bytes */
	unsigned char data[512]; /* the bytes: UCS-2 big-endian for coding 2 */
	size_t len;		 /* their number */
};

/* Write the configuration, start Kannel and wait until smsbox's sendsms
 * answers and fakesmsc is connected (asserts; 15 s at most). */
void kannel_start(struct kannel *k, struct harness *h);

/* kannel_start() with an sms-service that fetches get_url for every
 * incoming SMS and sends no answer of its own (max-messages 0), as
 * deploy/kannel/local.conf.in has it: amr-notify's listener. */
void kannel_start_get(struct kannel *k, struct harness *h, const char *get_url);

/* Stop what kannel_start() and kannel_send_mo() started. Accepts a
 * zeroed struct kannel. */
void kannel_stop(struct kannel *k);

/* The SMS fakesmsc has received so far, oldest first, into out[0..max);
 * returns how many it has received (may exceed max). */
int kannel_received(struct kannel *k, struct kannel_sms *out, int max);

/* An incoming SMS, as from a phone: a new fakesmsc-mo (the previous one
 * stopped) sends "from to text <text>" (text: ASCII, one line) to smsc
 * "mo" and keeps listening for the answer. Asserts that it was sent. */
void kannel_send_mo(struct kannel *k, const char *from, const char *to, const char *text);

/* What fakesmsc-mo received since the last kannel_send_mo() (Kannel's
 * answer to it), as kannel_received(). */
int kannel_mo_replies(struct kannel *k, struct kannel_sms *out, int max);

/* How many lines of bearerbox's access log hold needle ("Sent SMS",
 * "[flags:-1:2:"). */
int kannel_access_count(struct kannel *k, const char *needle);

/* UCS-2 big-endian p[0..n) as UTF-8 (new, NUL-terminated): what a phone
 * shows. Surrogate pairs are joined; a stray half becomes U+FFFD. */
char *kannel_ucs2_to_utf8(const unsigned char *p, size_t n);

/*
 * The application side of delivery reports: an HTTP server on a free
 * loopback port, on a thread of the test, that answers every request 200
 * and keeps its request target ("/dlr?key=17.2&status=8").
 */
#define KANNEL_DLR_MAX 64

struct kannel_dlr {
	int port; /* where it listens */
	int fd;	  /* the listening socket */
	pthread_t thread;
	pthread_mutex_t lock;
	char *got[KANNEL_DLR_MAX]; /* request targets, oldest first (new) */
	int n;			   /* how many */
	bool stop;		   /* under lock: the thread ends */
};

/* Listen and start the thread (asserts). */
void kannel_dlr_start(struct kannel_dlr *d);

/* How many requests so far have a target holding needle. */
int kannel_dlr_count(struct kannel_dlr *d, const char *needle);

/* Stop the thread, close the socket, free what it kept. */
void kannel_dlr_stop(struct kannel_dlr *d);

#endif
