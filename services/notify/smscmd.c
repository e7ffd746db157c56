/*
 * smscmd.c - reading an SMS command (smscmd.h): words, the command word
 * folded to upper case (Latin and Russian), and each command's arguments
 * checked exactly.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "smscmd.h"

#define WORD_MAX 32 /* bytes of a command word, folded */

/* The command words: Latin, then Russian (upper case, UTF-8). */
static const struct {
	const char *word;
	enum smscmd_kind kind;
} words[] = {
	{ "STATUS", SMSCMD_STATUS }, { "СТАТУС", SMSCMD_STATUS },   { "ACK", SMSCMD_ACK },
	{ "ПРИНЯТЬ", SMSCMD_ACK },   { "BALANCE", SMSCMD_BALANCE }, { "БАЛАНС", SMSCMD_BALANCE },
	{ "READ", SMSCMD_READ },     { "ПОКАЗ", SMSCMD_READ },	    { "ПОКАЗАНИЕ", SMSCMD_READ },
	{ "HELP", SMSCMD_HELP },     { "ПОМОЩЬ", SMSCMD_HELP },	    { "?", SMSCMD_HELP },
};

struct cur {
	const char *p, *end;
};

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip(struct cur *c)
{
	while (c->p < c->end && space(*c->p))
		c->p++;
}

/* The next word: its start and length (0 at the end). */
static size_t next_word(struct cur *c, const char **w)
{
	skip(c);
	*w = c->p;
	while (c->p < c->end && !space(*c->p))
		c->p++;
	return (size_t)(c->p - *w);
}

/* w[0..n) in upper case into out (size WORD_MAX + 1): ASCII and the
 * Russian alphabet (а..я, ё); false when it does not fit. */
static bool fold(const char *w, size_t n, char *out)
{
	const unsigned char *s = (const unsigned char *)w;
	size_t o = 0;

	if (n > WORD_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 'a' && c <= 'z') {
			c = (unsigned char)(c - 'a' + 'A');
		} else if (c == 0xd0 && i + 1 < n && s[i + 1] >= 0xb0 && s[i + 1] <= 0xbf) {
			out[o++] = (char)0xd0; /* а..п -> А..П */
			c = (unsigned char)(s[++i] - 0x20);
		} else if (c == 0xd1 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x8f) {
			out[o++] = (char)0xd0; /* р..я -> Р..Я */
			c = (unsigned char)(s[++i] + 0x20);
		} else if (c == 0xd1 && i + 1 < n && s[i + 1] == 0x91) {
			out[o++] = (char)0xd0; /* ё -> Ё */
			c = 0x81;
			i++;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

/* w[0..n) as a whole number 1..max without sign or leading zero. */
static bool number(const char *w, size_t n, unsigned long long max, unsigned long long *v)
{
	unsigned long long x = 0;

	if (n == 0 || n > 20 || w[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		if (x > (max - (unsigned)(w[i] - '0')) / 10)
			return false;
		x = x * 10 + (unsigned)(w[i] - '0');
	}
	*v = x;
	return true;
}

/* A reason in both languages. */
struct reason {
	const char *en, *ru;
};

#define R(en, ru) ((struct reason){ en, ru })

static void fail(struct smscmd *out, struct reason why)
{
	enum smscmd_kind k = out->kind;
	const char *cmd = k == SMSCMD_STATUS	? "STATUS: "
			  : k == SMSCMD_ACK	? "ACK: "
			  : k == SMSCMD_BALANCE ? "BALANCE: "
			  : k == SMSCMD_READ	? "READ: "
						: "";

	memset(out, 0, sizeof *out);
	out->kind = SMSCMD_UNKNOWN;
	snprintf(out->why, sizeof out->why, "%s%s", cmd, why.en);
	snprintf(out->why_ru, sizeof out->why_ru, "%s%s", cmd, why.ru);
}

/* The exact decimal w[0..n) into out->value, '.' its point. */
static bool decimal(const char *w, size_t n, struct smscmd *out)
{
	size_t i = 0, o = 0, whole, frac = 0;

	while (i < n && w[i] >= '0' && w[i] <= '9')
		i++;
	whole = i;
	if (whole == 0 || whole > SMSCMD_INT_MAX)
		return false;
	if (i < n) {
		if (w[i] != '.' && w[i] != ',')
			return false;
		for (i++; i < n && w[i] >= '0' && w[i] <= '9'; i++)
			frac++;
		if (i < n || frac == 0 || frac > SMSCMD_FRAC_MAX)
			return false;
	}
	i = 0;
	while (i + 1 < whole && w[i] == '0')
		i++; /* "007.5" is 7.5 */
	while (i < whole)
		out->value[o++] = w[i++];
	if (frac) {
		out->value[o++] = '.';
		memcpy(out->value + o, w + whole + 1, frac);
		o += frac;
	}
	out->value[o] = '\0';
	return true;
}

/* ACK's comment: the rest, spaces at its ends dropped, line ends and tabs
 * as spaces. */
static bool comment(struct cur *c, struct smscmd *out)
{
	const char *e = c->end;
	size_t n;

	skip(c);
	while (e > c->p && space(e[-1]))
		e--;
	n = (size_t)(e - c->p);
	if (n > SMSCMD_COMMENT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		out->comment[i] = space(c->p[i]) ? ' ' : c->p[i];
	out->comment[n] = '\0';
	return true;
}

void smscmd_parse(const char *text, size_t len, struct smscmd *out)
{
	struct cur c = { text, text + len };
	char cmd[WORD_MAX + 1];
	const char *w, *w2;
	size_t n, n2;
	unsigned long long v;
	struct proto_id id;
	struct reason bad = { NULL, NULL };

	memset(out, 0, sizeof *out);
	if (!(n = next_word(&c, &w))) {
		fail(out, R("empty message", "пустое сообщение"));
		return;
	}
	if (fold(w, n, cmd))
		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
			if (!strcmp(cmd, words[i].word))
				out->kind = words[i].kind;
	if (out->kind == SMSCMD_UNKNOWN) {
		fail(out, R("unknown command", "неизвестная команда"));
		return;
	}
	n = next_word(&c, &w);
	switch (out->kind) {
	case SMSCMD_HELP:
		break;
	case SMSCMD_STATUS:
		if (!number(w, n, PROTO_OBJ_MAX, &v)) {
			bad = R("an object number 1..65000 expected",
				"нужен номер объекта 1..65000");
			break;
		}
		out->obj = (unsigned)v;
		break;
	case SMSCMD_ACK:
		if (!number(w, n, UINT32_MAX, &v)) {
			bad = R("an alarm number expected", "нужен номер тревоги");
			break;
		}
		out->alarm = (uint32_t)v;
		if (!comment(&c, out))
			bad = R("the comment is over 200 bytes", "комментарий длиннее 200 байт");
		break;
	case SMSCMD_BALANCE:
		if (!number(w, n, 999999999999999999ULL, &v)) {
			bad = R("an account number expected", "нужен номер лицевого счёта");
			break;
		}
		memcpy(out->account, w, n);
		out->account[n] = '\0';
		break;
	case SMSCMD_READ:
		if (n == 0 || n >= sizeof out->channel) {
			bad = R("a channel (1.5.1) and a value expected",
				"нужны канал (1.5.1) и показание");
			break;
		}
		memcpy(out->channel, w, n);
		out->channel[n] = '\0';
		if (proto_id_parse(out->channel, &id) != 3) {
			bad = R("a channel obj.addr.ch (1.5.1) expected",
				"нужен канал объект.адрес.вход (1.5.1)");
			break;
		}
		n2 = next_word(&c, &w2);
		if (!decimal(w2, n2, out)) {
			bad = R("a value such as 123.456 expected", "нужно показание вида 123,456");
			break;
		}
		break;
	case SMSCMD_UNKNOWN:
		break;
	}
	if (!bad.en && out->kind != SMSCMD_ACK && out->kind != SMSCMD_HELP && next_word(&c, &w))
		bad = R("too many words", "лишние слова");
	if (bad.en)
		fail(out, bad);
}

const char *smscmd_help(const char *lang)
{
	if (lang && !strcmp(lang, "en"))
		return "Commands: STATUS <obj>, ACK <alarm> [comment], BALANCE <account>, "
		       "READ <channel> <value>, HELP";
	return "Команды: STATUS <объект>, ACK <тревога> [комментарий], BALANCE <лиц. счёт>, "
	       "READ <канал> <показание>, HELP";
}
