/*
 * fuzz_smscmd.c - libFuzzer target: the SMS command parser
 * (services/notify/smscmd.c) over any bytes, as an SMS's text after
 * smsin.c's conversion (docs/reliability.md).
 *
 * Besides ASan, UBSan and LSan it checks what smscmd.h promises: only
 * len bytes are read (the input is libFuzzer's exact-size buffer, no NUL
 * after it), every text field ends within its array, a command has the
 * argument its kind says and nothing else, an unknown one says why in
 * both languages, and the same text gives the same answer twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smscmd.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static void check_string(const char *s, size_t size)
{
	CHECK(memchr(s, '\0', size) != NULL);
}

/* Digits, then at most one '.' and SMSCMD_FRAC_MAX digits: "123.456". */
static void check_value(const char *v)
{
	size_t i = 0, n;

	while (v[i] >= '0' && v[i] <= '9')
		i++;
	CHECK(i >= 1 && i <= SMSCMD_INT_MAX);
	CHECK(i == 1 || v[0] != '0');
	if (v[i] == '.') {
		n = strspn(v + i + 1, "0123456789");
		CHECK(n >= 1 && n <= SMSCMD_FRAC_MAX);
		i += 1 + n;
	}
	CHECK(v[i] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smscmd a, b;

	memset(&a, 0x5a, sizeof a);
	memset(&b, 0xa5, sizeof b);
	smscmd_parse((const char *)data, size, &a);
	smscmd_parse((const char *)data, size, &b);

	check_string(a.comment, sizeof a.comment);
	check_string(a.account, sizeof a.account);
	check_string(a.channel, sizeof a.channel);
	check_string(a.value, sizeof a.value);
	check_string(a.why, sizeof a.why);
	check_string(a.why_ru, sizeof a.why_ru);

	CHECK(a.kind >= SMSCMD_UNKNOWN && a.kind <= SMSCMD_READ);
	CHECK((a.kind == SMSCMD_UNKNOWN) == (a.why[0] != '\0'));
	CHECK((a.why[0] == '\0') == (a.why_ru[0] == '\0'));
	CHECK((a.kind == SMSCMD_STATUS) == (a.obj != 0));
	CHECK(a.obj <= 65000);
	CHECK((a.kind == SMSCMD_ACK) == (a.alarm != 0));
	CHECK(a.kind == SMSCMD_ACK || a.comment[0] == '\0');
	CHECK(strlen(a.comment) <= SMSCMD_COMMENT_MAX);
	if (a.kind == SMSCMD_BALANCE) {
		size_t n = strlen(a.account);

		CHECK(n >= 1 && n <= SMSCMD_ACCOUNT_MAX && strspn(a.account, "0123456789") == n);
	} else {
		CHECK(a.account[0] == '\0');
	}
	if (a.kind == SMSCMD_READ)
		check_value(a.value);
	else
		CHECK(a.channel[0] == '\0' && a.value[0] == '\0');

	/* The same answer twice, whatever the memory held before. */
	CHECK(a.kind == b.kind && a.obj == b.obj && a.alarm == b.alarm);
	CHECK(!strcmp(a.comment, b.comment) && !strcmp(a.account, b.account));
	CHECK(!strcmp(a.channel, b.channel) && !strcmp(a.value, b.value));
	CHECK(!strcmp(a.why, b.why) && !strcmp(a.why_ru, b.why_ru));
	return 0;
}
