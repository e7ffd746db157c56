#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "metrics.h"

struct metric {
	struct metric *next;   /* registration order */
	enum metric_type type; /* counter or gauge */
	char *name;	       /* family name */
	char *labels;	       /* label list without braces, or NULL */
	char *help;	       /* family help */
	atomic_llong value;    /* current value */
};

struct metrics {
	pthread_mutex_t lock; /* guards the list (registration, render) */
	struct metric *head, *tail;
};

amr_err metrics_create(metrics **out)
{
	metrics *ms = calloc(1, sizeof *ms);

	if (!ms)
		return AMR_ENOMEM;
	pthread_mutex_init(&ms->lock, NULL);
	*out = ms;
	return AMR_OK;
}

void metrics_destroy(metrics *ms)
{
	struct metric *m, *next;

	if (!ms)
		return;
	for (m = ms->head; m; m = next) {
		next = m->next;
		free(m->name);
		free(m->labels);
		free(m->help);
		free(m);
	}
	pthread_mutex_destroy(&ms->lock);
	free(ms);
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

metric *metrics_get(metrics *ms, enum metric_type type, const char *name, const char *labels,
		    const char *help)
{
	struct metric *m;

	pthread_mutex_lock(&ms->lock);
	for (m = ms->head; m; m = m->next)
		if (strcmp(m->name, name) == 0 && same(m->labels, labels))
			goto out;
	m = calloc(1, sizeof *m);
	if (!m)
		goto out;
	m->type = type;
	m->name = strdup(name);
	m->labels = labels ? strdup(labels) : NULL;
	m->help = strdup(help ? help : "");
	if (!m->name || (labels && !m->labels) || !m->help) {
		free(m->name);
		free(m->labels);
		free(m->help);
		free(m);
		m = NULL;
		goto out;
	}
	if (ms->tail)
		ms->tail->next = m;
	else
		ms->head = m;
	ms->tail = m;
out:
	pthread_mutex_unlock(&ms->lock);
	return m;
}

void metric_add(metric *m, int64_t n)
{
	if (m)
		atomic_fetch_add(&m->value, n);
}

void metric_set(metric *m, int64_t v)
{
	if (m)
		atomic_store(&m->value, v);
}

int64_t metric_value(const metric *m)
{
	return m ? atomic_load(&((metric *)m)->value) : 0;
}

char *metrics_render(metrics *ms)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct metric *m, *k;

	if (!f)
		return NULL;
	pthread_mutex_lock(&ms->lock);
	for (m = ms->head; m; m = m->next) {
		/* Families are printed together, at their first member. */
		for (k = ms->head; k != m; k = k->next)
			if (strcmp(k->name, m->name) == 0)
				break;
		if (k != m)
			continue;
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
			m->type == METRIC_COUNTER ? "counter" : "gauge");
		for (k = m; k; k = k->next) {
			if (strcmp(k->name, m->name) != 0)
				continue;
			if (k->labels)
				fprintf(f, "%s{%s} %" PRId64 "\n", k->name, k->labels,
					(int64_t)atomic_load(&k->value));
			else
				fprintf(f, "%s %" PRId64 "\n", k->name,
					(int64_t)atomic_load(&k->value));
		}
	}
	pthread_mutex_unlock(&ms->lock);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
