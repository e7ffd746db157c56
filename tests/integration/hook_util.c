/*
 * hook_util.c - the webhook receiver (hook-catcher.py) of the delivery
 * tests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook_util.h"
#include "mail_util.h"

void hooks_start(struct hooks *k, struct harness *h, int fail_first)
{
	const char *src = getenv("AMR_SRC_DIR") ? getenv("AMR_SRC_DIR") : ".";
	char script[512], port[16], fail[16];
	const char *args[] = {
		script, "--port", port, "--dir", k->dir, "--fail-first", fail, NULL
	};
	long mark = harness_log_mark(h, "python3");

	k->h = h;
	snprintf(k->dir, sizeof k->dir, "%s/hooks", h->dir);
	ck_assert_int_eq(mkdir(k->dir, 0700), 0);
	k->port = harness_free_port();
	ck_assert_int_gt(k->port, 0);
	snprintf(script, sizeof script, "%s/tests/integration/hook-catcher.py", src);
	snprintf(port, sizeof port, "%d", k->port);
	snprintf(fail, sizeof fail, "%d", fail_first);
	ck_assert_int_gt(harness_spawn(h, PYTHON, args), 0);
	HARNESS_POLL_UNTIL(harness_log_count(h, "python3", mark, "ready") > 0, 15000);
	ck_assert_msg(harness_log_count(h, "python3", mark, "ready") > 0,
		      "hook-catcher.py did not start (see python3.log)");
}

static bool stored(const struct hooks *k, int n)
{
	char path[400];

	snprintf(path, sizeof path, "%s/%d.json", k->dir, n);
	return access(path, F_OK) == 0;
}

int hooks_count(const struct hooks *k)
{
	int n = 0;

	while (stored(k, n + 1))
		n++;
	return n;
}

/* File name of k's directory, whole (new). */
static char *slurp(const struct hooks *k, const char *name)
{
	char path[400], *buf;
	FILE *f;
	long len;

	snprintf(path, sizeof path, "%s/%s", k->dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s not stored", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	ck_assert(buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

json_t *hooks_read(const struct hooks *k, int n)
{
	char name[32], *body;
	json_t *r;

	HARNESS_POLL_UNTIL(stored(k, n), 10000);
	ck_assert_msg(stored(k, n), "webhook POST %d never came", n);
	snprintf(name, sizeof name, "%d.json", n);
	body = slurp(k, name);
	r = json_loads(body, 0, NULL);
	free(body);
	ck_assert(r != NULL);
	snprintf(name, sizeof name, "%d.body", n);
	body = slurp(k, name);
	json_object_set_new(r, "body", json_string(body));
	free(body);
	return r;
}
