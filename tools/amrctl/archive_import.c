/*
 * archive_import.c - `amrctl archive import --source NAME --reason TEXT
 * [--actor A] FILE`: historical or manual readings from a CSV file into
 * the archive (archive/import, docs/archive.md "Historical and manual
 * readings").
 *
 * The file is "channel,t,pulses" lines under that header: t the UTC hour's
 * start in seconds, pulses those counted in the hour. A channel's lines
 * come together, hours ascending; a missing hour is 0. The whole file is
 * read and checked first: a malformed line is reported with its number
 * and nothing is sent. Then one call per channel, or several for a
 * channel of more hours than one call takes (IMPORT_HOURS), in order; each
 * answer is printed. A call refused stops the rest (those before it stay
 * imported, and were printed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_import.h"
#include "proto.h"

#define IMPORT_HOURS 9600	  /* hours in one call, as the archive takes: 400 days */
#define RUN_HOURS    (100 * 9600) /* hours of one channel in a file, at most */
#define LINE_MAX_LEN 256

/* One channel's hours, from its first line on. */
struct run {
	char channel[PROTO_ID_LEN]; /* as the file gives it */
	long long from;		    /* first hour */
	size_t n, cap;		    /* hours */
	unsigned *pulses;	    /* per hour, missing ones 0 */
};

struct file {
	struct run *runs;
	size_t n, cap;
};

static void file_free(struct file *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->runs[i].pulses);
	free(f->runs);
}

/* A whole number in min..max of s (all of it). */
static int whole(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Hours up to hour h of run r: missing ones are 0. */
static int extend(struct run *r, long long h)
{
	size_t need = (size_t)((h - r->from) / 3600) + 1;

	if (need > r->cap) {
		size_t cap = r->cap ? r->cap : 64;
		unsigned *p;

		while (cap < need)
			cap *= 2;
		if (!(p = realloc(r->pulses, cap * sizeof *p)))
			return -1;
		memset(p + r->cap, 0, (cap - r->cap) * sizeof *p);
		r->pulses = p;
		r->cap = cap;
	}
	if (need > r->n)
		r->n = need;
	return 0;
}

/* One line "channel,t,pulses" into f; prints what is wrong with it. */
static int take_line(struct file *f, const char *path, int lineno, char *line)
{
	char *ch = line, *t = strchr(line, ','), *p = t ? strchr(t + 1, ',') : NULL;
	struct proto_id id;
	long long ts, pulses;
	struct run *r = f->n ? &f->runs[f->n - 1] : NULL;

	if (!t || !p || strchr(p + 1, ',')) {
		fprintf(stderr, "amrctl: %s: line %d: expected channel,t,pulses\n", path, lineno);
		return -1;
	}
	*t++ = '\0';
	*p++ = '\0';
	if (proto_id_parse(ch, &id) != 3) {
		fprintf(stderr, "amrctl: %s: line %d: \"%s\" is not a channel (obj.addr.ch)\n",
			path, lineno, ch);
		return -1;
	}
	if (whole(t, 0, 1LL << 40, &ts) || ts % 3600) {
		fprintf(stderr,
			"amrctl: %s: line %d: t \"%s\" is not the start of a UTC hour in "
			"seconds\n",
			path, lineno, t);
		return -1;
	}
	if (whole(p, 0, 4294967295LL, &pulses)) {
		fprintf(stderr, "amrctl: %s: line %d: pulses \"%s\" is not a whole number 0..%u\n",
			path, lineno, p, 4294967295u);
		return -1;
	}
	if (!r || strcmp(r->channel, ch)) {
		for (size_t i = 0; i < f->n; i++)
			if (!strcmp(f->runs[i].channel, ch)) {
				fprintf(stderr,
					"amrctl: %s: line %d: %s again after other channels; keep "
					"a channel's lines together\n",
					path, lineno, ch);
				return -1;
			}
		if (f->n == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 16;
			struct run *nr = realloc(f->runs, cap * sizeof *nr);

			if (!nr)
				return -1;
			f->runs = nr;
			f->cap = cap;
		}
		r = &f->runs[f->n++];
		memset(r, 0, sizeof *r);
		snprintf(r->channel, sizeof r->channel, "%s", ch);
		r->from = ts;
	} else if (ts < r->from + (long long)r->n * 3600) {
		fprintf(stderr,
			"amrctl: %s: line %d: hour %lld of %s is not after the one before\n", path,
			lineno, ts, ch);
		return -1;
	} else if ((ts - r->from) / 3600 >= RUN_HOURS) {
		fprintf(stderr,
			"amrctl: %s: line %d: hour %lld of %s is more than %d hours after its "
			"first\n",
			path, lineno, ts, ch, RUN_HOURS);
		return -1;
	}
	if (extend(r, ts)) {
		fprintf(stderr, "amrctl: out of memory\n");
		return -1;
	}
	r->pulses[(ts - r->from) / 3600] = (unsigned)pulses;
	return 0;
}

/* Read and check the whole file into f. */
static int read_file(const char *path, struct file *f)
{
	char line[LINE_MAX_LEN + 2];
	int lineno = 0, rc = 0;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		fprintf(stderr, "amrctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof line, fp)) {
		size_t len = strlen(line);

		lineno++;
		if (len && line[len - 1] != '\n' && !feof(fp)) {
			fprintf(stderr, "amrctl: %s: line %d: longer than %d bytes\n", path, lineno,
				LINE_MAX_LEN);
			rc = -1;
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (lineno == 1) {
			if (strcmp(line, "channel,t,pulses")) {
				fprintf(stderr,
					"amrctl: %s: line 1: expected the header "
					"\"channel,t,pulses\"\n",
					path);
				rc = -1;
			}
			continue;
		}
		if (line[0])
			rc = take_line(f, path, lineno, line);
	}
	if (!rc && ferror(fp)) {
		fprintf(stderr, "amrctl: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	fclose(fp);
	if (!rc && !f->n) {
		fprintf(stderr, "amrctl: %s: no readings under the header\n", path);
		rc = -1;
	}
	return rc;
}

/* archive/import of hours [at, at + n) of run r. */
static int send_part(struct ctl *c, const char *source, const char *actor, const struct run *r,
		     size_t at, size_t n)
{
	json_t *args = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:[]}", "actor", actor, "reason",
				 c->reason, "source", source, "channel", r->channel, "step", "hour",
				 "from", (json_int_t)(r->from + 3600LL * (long long)at), "pulses"),
	       *res = NULL;
	int rc;

	for (size_t i = at; args && i < at + n; i++)
		json_array_append_new(json_object_get(args, "pulses"), json_integer(r->pulses[i]));
	if (!args) {
		fprintf(stderr, "amrctl: out of memory\n");
		return AMRCTL_FAILED;
	}
	if ((rc = ctl_call(c, "archive/import", args, &res)))
		return rc;
	ctl_print(c, res);
	json_decref(res);
	return 0;
}

int archive_import_cmd(struct ctl *c, int argc, char **argv)
{
	struct file f = { 0 };
	int rc = 0;

	(void)argc;
	if (strcmp(argv[1], "import")) {
		fprintf(stderr, "amrctl: archive: \"%s\" is not a command of it (import)\n",
			argv[1]);
		return AMRCTL_USAGE;
	}
	if (!c->source || !c->reason) {
		fprintf(stderr, "amrctl: archive import changes readings: say where they come from "
				"with --source NAME and why with --reason \"...\"\n");
		return AMRCTL_USAGE;
	}
	if (read_file(argv[2], &f)) {
		file_free(&f);
		return AMRCTL_USAGE;
	}
	if (ctl_connect(c)) {
		file_free(&f);
		return AMRCTL_FAILED;
	}
	for (size_t i = 0; !rc && i < f.n; i++)
		for (size_t at = 0; !rc && at < f.runs[i].n; at += IMPORT_HOURS)
			rc = send_part(
				c, c->source, c->actor ? c->actor : ctl_actor(), &f.runs[i], at,
				f.runs[i].n - at < IMPORT_HOURS ? f.runs[i].n - at : IMPORT_HOURS);
	file_free(&f);
	return rc;
}
