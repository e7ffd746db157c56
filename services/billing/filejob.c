/*
 * filejob.c - files rendered on worker threads and kept for their chunks.
 *
 * A job is one file to render: the requests waiting for it, its input and
 * its renderer. The loop thread queues it; a worker takes it, renders
 * without any lock held and posts it back; the loop thread keeps the file
 * and answers the waiting requests. A job is only ever touched by one
 * thread at a time: by the loop until queued, by one worker until posted.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "filejob.h"
#include "log.h"
#include "rpc_file.h"

#define FILEJOB_WORKERS_MAX 8

/* A request, or the service itself, waiting for a file. */
struct waiter {
	rpc_req *req;	 /* answered once the file is there; NULL: cb */
	filejob_done cb; /* told instead, with ctx */
	void *ctx;
	json_t *args;	     /* its chunk arguments */
	struct waiter *next; /* the next waiter of the job */
};

/* A file kept for its chunks. */
struct kept {
	char key[RPC_FILE_SHA256_HEX];	  /* what it shows */
	char sha256[RPC_FILE_SHA256_HEX]; /* of its bytes */
	char *asked;			  /* the method and args it was made for, or NULL */
	char *name;			  /* to save it under */
	char *type;			  /* media type */
	unsigned char *data;		  /* its bytes */
	size_t size;			  /* how many */
	uint64_t used_ms;		  /* last asked for (loop_now_ms) */
	struct kept *next;		  /* the next kept file */
};

enum job_state {
	JOB_QUEUED,
	JOB_POSTED
};

struct job {
	filejob *fj;			  /* NULL once fj is gone (posted) */
	enum job_state state;		  /* where it is */
	char key[RPC_FILE_SHA256_HEX];	  /* what it shows */
	struct filejob_file f;		  /* its renderer; name and type copied */
	char *asked;			  /* the method and args, or NULL */
	json_t *in;			  /* what it shows */
	struct waiter *waiters;		  /* the requests waiting */
	unsigned char *data;		  /* rendered bytes */
	size_t size;			  /* how many */
	amr_err rc;			  /* the rendering's result */
	struct jv_err err;		  /* and its message */
	uint64_t started_ms, rendered_ms; /* when queued, when done */
	struct job *next_queued;	  /* the worker queue, under lock */
	struct job *next_pending;	  /* every job not answered yet */
};

struct filejob {
	struct svc *s;				/* borrowed */
	pthread_mutex_t lock;			/* guards queue, stopping */
	pthread_cond_t wake;			/* a job queued or stopping */
	struct job *queue, **queue_tail;	/* jobs for the workers */
	bool stopping;				/* workers end */
	pthread_t threads[FILEJOB_WORKERS_MAX]; /* the workers */
	unsigned nthreads;			/* how many started */
	struct job *pending;			/* loop thread: jobs not answered */
	struct kept *kept;			/* loop thread: files kept */
	size_t keep_bytes;			/* at most this much kept */
	unsigned keep_ms;			/* for this long after last use */
	metric *m_rendered, *m_failed, *m_hits, *m_ms, *m_kept;
};

static void waiters_fail(struct waiter *w, amr_err rc, const char *code, const char *msg)
{
	while (w) {
		struct waiter *next = w->next;

		if (w->req)
			rpc_reply_err(w->req, code, "%s", msg);
		else
			w->cb(w->ctx, rc, msg, NULL, 0, NULL);
		json_decref(w->args);
		free(w);
		w = next;
	}
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->asked);
	json_decref(j->in);
	free((char *)j->f.name);
	free((char *)j->f.type);
	free(j->data);
	free(j);
}

static void kept_free(struct kept *k)
{
	free(k->asked);
	free(k->name);
	free(k->type);
	free(k->data);
	free(k);
}

/* Drop files unused for keep_ms, then the least recently used until the
 * rest fit in keep_bytes with room for extra more. */
static void kept_trim(filejob *fj, size_t extra)
{
	uint64_t now = loop_now_ms();
	size_t total = extra, n = 0;
	struct kept **p;

	for (p = &fj->kept; *p;) {
		struct kept *k = *p;

		if (now - k->used_ms > fj->keep_ms) {
			*p = k->next;
			kept_free(k);
			continue;
		}
		total += k->size;
		p = &k->next;
	}
	while (total > fj->keep_bytes && fj->kept) {
		struct kept **oldest = &fj->kept;

		for (p = &fj->kept; *p; p = &(*p)->next)
			if ((*p)->used_ms < (*oldest)->used_ms)
				oldest = p;
		struct kept *k = *oldest;

		*oldest = k->next;
		total -= k->size;
		kept_free(k);
	}
	for (struct kept *k = fj->kept; k; k = k->next)
		n += k->size;
	metric_set(fj->m_kept, (int64_t)n);
}

static struct kept *kept_find(filejob *fj, const char *key)
{
	kept_trim(fj, 0);
	for (struct kept *k = fj->kept; k; k = k->next)
		if (!strcmp(k->key, key)) {
			k->used_ms = loop_now_ms();
			return k;
		}
	return NULL;
}

static void kept_reply(struct kept *k, rpc_req *req, const json_t *args)
{
	struct rpc_file file = { k->data, k->size, k->name, k->type, k->sha256 };

	rpc_file_reply(req, &file, args);
}

static void kept_hand(struct kept *k, const struct waiter *w)
{
	if (w->req)
		kept_reply(k, w->req, w->args);
	else
		w->cb(w->ctx, AMR_OK, NULL, k->data, k->size, k->sha256);
}

/* Loop thread: a job came back from a worker. */
static void job_done(void *arg)
{
	struct job *j = arg, **p;
	filejob *fj = j->fj;
	struct kept *k = NULL;

	if (!fj) { /* its filejob is gone; its requests were answered */
		job_free(j);
		return;
	}
	for (p = &fj->pending; *p != j; p = &(*p)->next_pending)
		;
	*p = j->next_pending;
	metric_add(fj->m_ms, (int64_t)(j->rendered_ms - j->started_ms));
	if (j->rc) {
		metric_add(fj->m_failed, 1);
		log_error("render %s: %s", j->f.name,
			  j->err.msg[0] ? j->err.msg : amr_strerror(j->rc));
		waiters_fail(j->waiters, j->rc, j->rc == AMR_EINVAL ? "bad_request" : "internal",
			     j->err.msg[0] ? j->err.msg : amr_strerror(j->rc));
		job_free(j);
		return;
	}
	metric_add(fj->m_rendered, 1);
	log_info("rendered %s: %zu bytes in %llu ms", j->f.name, j->size,
		 (unsigned long long)(j->rendered_ms - j->started_ms));
	kept_trim(fj, j->size);
	if ((k = calloc(1, sizeof *k)) && (k->name = strdup(j->f.name)) &&
	    (k->type = strdup(j->f.type))) {
		memcpy(k->key, j->key, sizeof k->key);
		rpc_file_sha256(j->data, j->size, k->sha256);
		k->data = j->data;
		k->size = j->size;
		j->data = NULL;
		k->asked = j->asked;
		j->asked = NULL;
		k->used_ms = loop_now_ms();
		k->next = fj->kept;
		fj->kept = k;
	} else {
		if (k)
			kept_free(k);
		waiters_fail(j->waiters, AMR_ENOMEM, "internal", "out of memory");
		job_free(j);
		return;
	}
	for (struct waiter *w = j->waiters, *next; w; w = next) {
		next = w->next;
		kept_hand(k, w);
		json_decref(w->args);
		free(w);
	}
	job_free(j);
	kept_trim(fj, 0);
}

static void *worker(void *arg)
{
	filejob *fj = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&fj->lock);
		while (!fj->queue && !fj->stopping)
			pthread_cond_wait(&fj->wake, &fj->lock);
		if (fj->stopping) {
			pthread_mutex_unlock(&fj->lock);
			return NULL;
		}
		j = fj->queue;
		fj->queue = j->next_queued;
		if (!fj->queue)
			fj->queue_tail = &fj->queue;
		j->state = JOB_POSTED; /* from here on the worker's, then the loop's */
		pthread_mutex_unlock(&fj->lock);

		j->rc = j->f.render(j->in, j->f.opt, &j->data, &j->size, &j->err);
		j->rendered_ms = loop_now_ms();
		if (loop_post(fj->s->loop, job_done, j, (loop_fn)job_free) != AMR_OK)
			log_error("render %s: cannot hand the file back", j->f.name);
	}
}

amr_err filejob_create(filejob **out, struct svc *s, unsigned workers, size_t keep_bytes,
		       unsigned keep_ms)
{
	filejob *fj = calloc(1, sizeof *fj);

	if (!fj)
		return AMR_ENOMEM;
	if (workers < 1 || workers > FILEJOB_WORKERS_MAX || sodium_init() < 0) {
		free(fj);
		return workers < 1 || workers > FILEJOB_WORKERS_MAX ? AMR_EINVAL : AMR_EIO;
	}
	fj->s = s;
	fj->keep_bytes = keep_bytes;
	fj->keep_ms = keep_ms;
	fj->queue_tail = &fj->queue;
	fj->m_rendered = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_files_rendered_total",
				     NULL, "Receipts and reports rendered to files.");
	fj->m_failed = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_files_failed_total",
				   NULL, "Renderings that failed.");
	fj->m_hits = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_files_kept_hits_total",
				 NULL, "Chunk requests answered from a file kept.");
	fj->m_ms = metrics_get(s->metrics, METRIC_COUNTER, "amr_billing_files_render_ms_total",
			       NULL, "Milliseconds from queueing a file to its rendering done.");
	fj->m_kept = metrics_get(s->metrics, METRIC_GAUGE, "amr_billing_files_kept_bytes", NULL,
				 "Bytes of rendered files kept for their chunks.");
	if (!fj->m_rendered || !fj->m_failed || !fj->m_hits || !fj->m_ms || !fj->m_kept) {
		free(fj);
		return AMR_ENOMEM;
	}
	pthread_mutex_init(&fj->lock, NULL);
	pthread_cond_init(&fj->wake, NULL);
	for (; fj->nthreads < workers; fj->nthreads++)
		if (pthread_create(&fj->threads[fj->nthreads], NULL, worker, fj) != 0) {
			filejob_destroy(fj);
			return AMR_EIO;
		}
	*out = fj;
	return AMR_OK;
}

void filejob_destroy(filejob *fj)
{
	if (!fj)
		return;
	pthread_mutex_lock(&fj->lock);
	fj->stopping = true;
	pthread_cond_broadcast(&fj->wake);
	pthread_mutex_unlock(&fj->lock);
	for (unsigned i = 0; i < fj->nthreads; i++)
		pthread_join(fj->threads[i], NULL);
	/* no worker runs now: a queued job is freed here, a posted one by
	 * job_done or the loop's free */
	while (fj->pending) {
		struct job *j = fj->pending;

		fj->pending = j->next_pending;
		waiters_fail(j->waiters, AMR_ESTATE, "unavailable", "amr-billing is stopping");
		j->waiters = NULL;
		if (j->state == JOB_QUEUED)
			job_free(j);
		else
			j->fj = NULL;
	}
	while (fj->kept) {
		struct kept *k = fj->kept;

		fj->kept = k->next;
		kept_free(k);
	}
	pthread_cond_destroy(&fj->wake);
	pthread_mutex_destroy(&fj->lock);
	free(fj);
}

/* The key of a file: the SHA-256 of its renderer's option, name, type and
 * input, in one canonical spelling. Returns AMR_OK or AMR_ENOMEM. */
static amr_err file_key(const json_t *in, const struct filejob_file *f,
			char key[RPC_FILE_SHA256_HEX])
{
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	char opt[24];
	char *text = json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (!text)
		return AMR_ENOMEM;
	snprintf(opt, sizeof opt, "%d", f->opt);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)opt, strlen(opt) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)f->name, strlen(f->name) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)f->type, strlen(f->type) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)text, strlen(text));
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(key, RPC_FILE_SHA256_HEX, sum, sizeof sum);
	free(text);
	return AMR_OK;
}

/* What a request asked: method, then its args but the chunk's fields, in
 * one spelling (new), NULL when out of memory. */
static char *asked_of(const char *method, const json_t *args)
{
	json_t *copy = json_deep_copy(args);
	char *text, *out = NULL;

	if (!copy)
		return NULL;
	json_object_del(copy, "offset");
	json_object_del(copy, "max");
	json_object_del(copy, "sha256");
	if ((text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS)) &&
	    asprintf(&out, "%s %s", method, text) < 0)
		out = NULL;
	free(text);
	json_decref(copy);
	return out;
}

bool filejob_serve_next(filejob *fj, rpc_req *req, const char *method, const json_t *args)
{
	const char *sha = json_string_value(json_object_get(args, "sha256"));
	char *asked;

	if (!sha || !(asked = asked_of(method, args)))
		return false;
	kept_trim(fj, 0);
	for (struct kept *k = fj->kept; k; k = k->next)
		if (k->asked && !strcmp(k->asked, asked) && !strcmp(k->sha256, sha)) {
			free(asked);
			k->used_ms = loop_now_ms();
			metric_add(fj->m_hits, 1);
			kept_reply(k, req, args);
			return true;
		}
	free(asked);
	return false;
}

/* Hand w the file f showing in (takes), kept, being rendered or queued
 * now. Returns AMR_OK, or AMR_ENOMEM (w untouched, in freed). */
static amr_err enqueue(filejob *fj, struct waiter *w, const json_t *args, json_t *in,
		       const struct filejob_file *f)
{
	char key[RPC_FILE_SHA256_HEX];
	struct job *j;
	struct kept *k;

	if (file_key(in, f, key)) {
		json_decref(in);
		return AMR_ENOMEM;
	}
	if ((k = kept_find(fj, key))) {
		metric_add(fj->m_hits, 1);
		json_decref(in);
		kept_hand(k, w);
		json_decref(w->args);
		free(w);
		return AMR_OK;
	}
	for (j = fj->pending; j; j = j->next_pending)
		if (!strcmp(j->key, key)) { /* being rendered: wait for it */
			w->next = j->waiters;
			j->waiters = w;
			json_decref(in);
			return AMR_OK;
		}
	if (!(j = calloc(1, sizeof *j))) {
		json_decref(in);
		return AMR_ENOMEM;
	}
	j->fj = fj;
	memcpy(j->key, key, sizeof j->key);
	j->f = *f;
	j->f.name = strdup(f->name);
	j->f.type = strdup(f->type);
	j->f.method = NULL;
	j->asked = f->method && args ? asked_of(f->method, args) : NULL;
	if (!j->f.name || !j->f.type || (f->method && args && !j->asked)) {
		job_free(j);
		json_decref(in);
		return AMR_ENOMEM;
	}
	j->in = in;
	j->waiters = w;
	j->started_ms = loop_now_ms();
	j->next_pending = fj->pending;
	fj->pending = j;
	pthread_mutex_lock(&fj->lock);
	j->state = JOB_QUEUED;
	*fj->queue_tail = j;
	fj->queue_tail = &j->next_queued;
	pthread_cond_signal(&fj->wake);
	pthread_mutex_unlock(&fj->lock);
	return AMR_OK;
}

void filejob_serve(filejob *fj, rpc_req *req, const json_t *args, json_t *in,
		   const struct filejob_file *f)
{
	struct waiter *w = calloc(1, sizeof *w);

	if (!w || !(w->args = json_deep_copy(args))) {
		free(w);
		json_decref(in);
		rpc_reply_err(req, "internal", "out of memory");
		return;
	}
	w->req = req;
	if (enqueue(fj, w, args, in, f)) {
		json_decref(w->args);
		free(w);
		rpc_reply_err(req, "internal", "out of memory");
	}
}

amr_err filejob_make(filejob *fj, json_t *in, const struct filejob_file *f, filejob_done cb,
		     void *ctx)
{
	struct waiter *w = calloc(1, sizeof *w);

	if (!w) {
		json_decref(in);
		return AMR_ENOMEM;
	}
	w->cb = cb;
	w->ctx = ctx;
	if (enqueue(fj, w, NULL, in, f)) {
		free(w);
		return AMR_ENOMEM;
	}
	return AMR_OK;
}
