/*
 * mail_util.c - the SMTP catcher (mail-catcher.py, aiosmtpd) the e-mail
 * tests deliver to, and reading back what it stored as a mail reader
 * would.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail_util.h"

void catcher_init(struct catcher *c, struct harness *h)
{
	c->h = h;
	snprintf(c->dir, sizeof c->dir, "%s/mail", h->dir);
	ck_assert_int_eq(mkdir(c->dir, 0700), 0);
	c->port = harness_free_port();
	ck_assert_int_gt(c->port, 0);
}

/* Start the catcher on c->port with extra options (NULL-terminated) and
 * wait until it says it listens. */
void catcher_start(struct catcher *c, const char *const *extra)
{
	const char *src = getenv("AMR_SRC_DIR") ? getenv("AMR_SRC_DIR") : ".";
	char script[512], port[16];
	const char *args[16] = { script, "--port", port, "--dir", c->dir };
	size_t n = 5;
	long mark = harness_log_mark(c->h, "python3");

	snprintf(script, sizeof script, "%s/deploy/mail-catcher.py", src);
	snprintf(port, sizeof port, "%d", c->port);
	for (size_t i = 0; extra && extra[i] && n < 15; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	ck_assert_int_gt(harness_spawn(c->h, PYTHON, args), 0);
	HARNESS_POLL_UNTIL(harness_log_count(c->h, "python3", mark, "ready") > 0, 15000);
	ck_assert_msg(harness_log_count(c->h, "python3", mark, "ready") > 0,
		      "mail-catcher.py did not start (see python3.log)");
}

bool catcher_stored(const struct catcher *c, int n)
{
	char path[400];

	snprintf(path, sizeof path, "%s/%d.eml", c->dir, n);
	return access(path, F_OK) == 0;
}

/* How many messages the catcher has stored (1.eml, 2.eml, ...). */
int catcher_count(const struct catcher *c)
{
	int n = 0;

	while (catcher_stored(c, n + 1))
		n++;
	return n;
}

/* The file's bytes (new, NUL-terminated). */
char *catcher_slurp(const struct catcher *c, const char *name)
{
	char path[400], *buf;
	FILE *f;
	long len;

	snprintf(path, sizeof path, "%s/%s", c->dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s missing", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/*
 * Message n as a mail reader shows it (new): Python's email package
 * (policy default) decodes the RFC 2047 words and the body's transfer
 * encoding; its line ends come back as "\n". {"subject", "from", "to",
 * "message_id", "date_ok", "body" (the text part), "attachments" ([{"name",
 * "type","sha256"}]), "defects", "words_whole"}: the last
 * whether every encoded word holds whole characters, as RFC 2047 asks (a
 * lenient reader like Python's joins a character cut between words, a
 * strict one shows two replacement characters).
 */
json_t *catcher_read(struct catcher *c, int n)
{
	static const char py[] =
		"import sys, re, base64, hashlib, json, email, email.policy as p; "
		"raw = open(sys.argv[1], \"rb\").read(); "
		"m = email.message_from_bytes(raw, policy=p.default); "
		"words = re.findall(rb\"=[?]UTF-8[?]B[?]([A-Za-z0-9+/=]*)[?]=\", raw); "
		"print(json.dumps({\"subject\": str(m[\"subject\"]), \"from\": str(m[\"from\"]), "
		"\"to\": str(m[\"to\"]), \"message_id\": str(m[\"message-id\"]), "
		"\"date_ok\": m[\"date\"] is not None and m[\"date\"].datetime is not None, "
		"\"body\": m.get_body((\"plain\",)).get_content().replace(\"\\r\\n\", \"\\n\"), "
		"\"attachments\": [{\"name\": a.get_filename(), \"type\": a.get_content_type(), "
		"\"sha256\": hashlib.sha256(a.get_content()).hexdigest()} "
		"for a in m.iter_attachments()], "
		"\"defects\": len(m.defects), "
		"\"words_whole\": all(base64.b64decode(w).decode(\"utf-8\", \"replace\").find("
		"\"\\ufffd\") < 0 for w in words)}))";
	char cmd[2048], *out;
	json_t *j;
	int st;

	HARNESS_POLL_UNTIL(catcher_stored(c, n), 10000);
	ck_assert_msg(catcher_stored(c, n), "message %d never stored", n);
	snprintf(cmd, sizeof cmd, PYTHON " -c '%s' %s/%d.eml", py, c->dir, n);
	out = harness_run(c->h, cmd, &st);
	ck_assert_msg(out && st == 0, "python could not read %d.eml: %s", n, out ? out : "");
	j = json_loads(out, 0, NULL);
	ck_assert_msg(j != NULL, "%s", out);
	free(out);
	return j;
}
