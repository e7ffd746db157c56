/*
 * smscmd.h - the commands a person or a device sends amr-notify by SMS
 * (docs/notify.md, "Incoming SMS"), read from the text alone: no I/O, no
 * allocation, no state, so that it can be fuzzed. The text is UTF-8
 * (smsin.c has converted UCS-2 already); words are separated by spaces,
 * tabs or line ends; the command word is matched without regard to case,
 * in Latin or in Russian:
 *
 *   STATUS  <obj>                 СТАТУС   1
 *   ACK     <alarm> [comment]     ПРИНЯТЬ  17 выехали
 *   BALANCE <account>             БАЛАНС   42
 *   READ    <channel> <value>     ПОКАЗ    1.5.1 123,456
 *   HELP                          ПОМОЩЬ
 *
 * <obj> is an object number (1..65000), <alarm> an alarm id (1..2^32-1),
 * <account> a billing account's id (digits), <channel> a channel id
 * "obj.addr.ch", <value> an exact decimal in the channel's unit: digits,
 * at most one '.' or ',' and at most SMSCMD_FRAC_MAX digits after it
 * (123.456 m³), kept as text ("123.456"), never as a float. Anything else
 * is SMSCMD_UNKNOWN, with why (and why_ru) saying what was not understood.
 */
#ifndef AMR_NOTIFY_SMSCMD_H
#define AMR_NOTIFY_SMSCMD_H

#include <stddef.h>
#include <stdint.h>

#define SMSCMD_COMMENT_MAX 200 /* bytes of an ACK's comment */
#define SMSCMD_ACCOUNT_MAX 18  /* digits of an account id */
#define SMSCMD_INT_MAX	   12  /* digits of a value's whole part */
#define SMSCMD_FRAC_MAX	   6   /* digits of a value's fraction */

enum smscmd_kind {
	SMSCMD_UNKNOWN,
	SMSCMD_HELP,
	SMSCMD_STATUS,
	SMSCMD_ACK,
	SMSCMD_BALANCE,
	SMSCMD_READ,
};

struct smscmd {
	enum smscmd_kind kind;
	unsigned obj;					  /* STATUS */
	uint32_t alarm;					  /* ACK */
	char comment[SMSCMD_COMMENT_MAX + 1];		  /* ACK, "" when none */
	char account[SMSCMD_ACCOUNT_MAX + 1];		  /* BALANCE */
	char channel[16];				  /* READ: "1.5.1" */
	char value[SMSCMD_INT_MAX + SMSCMD_FRAC_MAX + 2]; /* READ: "123.456" */
	char why[120];					  /* UNKNOWN: what was wrong */
	char why_ru[200];				  /* and in Russian */
};

/* Read text[0..len) (need not be NUL-terminated) into *out. */
void smscmd_parse(const char *text, size_t len, struct smscmd *out);

/* The one-line answer to what is not understood, in lang ("ru", "en"):
 * which commands are. */
const char *smscmd_help(const char *lang);

#endif
