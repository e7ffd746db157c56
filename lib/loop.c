#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "loop.h"

struct watch {
	int fd;	       /* watched descriptor, -1 when removed */
	short events;  /* POLLIN / POLLOUT */
	loop_fd_cb cb; /* called with the revents */
	void *ctx;     /* caller's pointer */
};

struct timer {
	uint64_t id;	 /* handle given to the caller */
	uint64_t due;	 /* monotonic ms */
	unsigned period; /* 0 for one-shot */
	loop_fn cb;	 /* called on the loop thread */
	void *arg;	 /* caller's pointer */
};

struct post {
	struct post *next; /* FIFO link */
	loop_fn fn;	   /* run on the loop thread */
	loop_fn free_fn;   /* run instead if never delivered */
	void *arg;	   /* caller's pointer */
};

struct loop {
	int efd;		    /* eventfd that wakes poll() */
	volatile sig_atomic_t stop; /* set by loop_stop() */
	struct watch *watches;	    /* fd watches, unordered */
	size_t nwatches, capwatches;
	struct timer *timers; /* min-heap on due */
	size_t ntimers, captimers;
	size_t max_timers; /* loop_timer_limit(), SIZE_MAX when unset */
	uint64_t next_timer_id;
	pthread_mutex_t lock;	  /* guards the post queue */
	struct post *head, *tail; /* posted callbacks */
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

amr_err loop_create(loop **out)
{
	loop *l = calloc(1, sizeof *l);

	if (!l)
		return AMR_ENOMEM;
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->efd < 0) {
		log_error("eventfd: %s", strerror(errno));
		free(l);
		return AMR_EIO;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->next_timer_id = 1;
	l->max_timers = SIZE_MAX;
	*out = l;
	return AMR_OK;
}

void loop_destroy(loop *l)
{
	struct post *p, *next;

	if (!l)
		return;
	for (p = l->head; p; p = next) {
		next = p->next;
		if (p->free_fn)
			p->free_fn(p->arg);
		free(p);
	}
	pthread_mutex_destroy(&l->lock);
	close(l->efd);
	free(l->watches);
	free(l->timers);
	free(l);
}

static void wake(loop *l)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: poll will wake. */
	if (write(l->efd, &one, sizeof one) < 0 && errno != EAGAIN)
		return;
}

amr_err loop_fd_add(loop *l, int fd, short events, loop_fd_cb cb, void *ctx)
{
	for (size_t i = 0; i < l->nwatches; i++) {
		if (l->watches[i].fd == fd) {
			l->watches[i] = (struct watch){ fd, events, cb, ctx };
			return AMR_OK;
		}
	}
	if (l->nwatches == l->capwatches) {
		size_t cap = l->capwatches ? l->capwatches * 2 : 8;
		struct watch *w = realloc(l->watches, cap * sizeof *w);

		if (!w)
			return AMR_ENOMEM;
		l->watches = w;
		l->capwatches = cap;
	}
	l->watches[l->nwatches++] = (struct watch){ fd, events, cb, ctx };
	return AMR_OK;
}

void loop_fd_del(loop *l, int fd)
{
	/* Mark only: the array may be being walked by loop_once(). */
	for (size_t i = 0; i < l->nwatches; i++)
		if (l->watches[i].fd == fd)
			l->watches[i].fd = -1;
}

static void heap_swap(struct timer *h, size_t a, size_t b)
{
	struct timer t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static void heap_up(struct timer *h, size_t i)
{
	while (i > 0 && h[(i - 1) / 2].due > h[i].due) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct timer *h, size_t n, size_t i)
{
	for (;;) {
		size_t m = i, a = 2 * i + 1, b = 2 * i + 2;

		if (a < n && h[a].due < h[m].due)
			m = a;
		if (b < n && h[b].due < h[m].due)
			m = b;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

static void heap_remove(loop *l, size_t i)
{
	l->timers[i] = l->timers[--l->ntimers];
	if (i < l->ntimers) {
		heap_down(l->timers, l->ntimers, i);
		heap_up(l->timers, i);
	}
}

uint64_t loop_timer_add(loop *l, unsigned ms, bool repeat, loop_fn cb, void *arg)
{
	uint64_t id;

	if (l->ntimers >= l->max_timers)
		return 0;
	if (l->ntimers == l->captimers) {
		size_t cap = l->captimers ? l->captimers * 2 : 16;
		struct timer *t = realloc(l->timers, cap * sizeof *t);

		if (!t)
			return 0;
		l->timers = t;
		l->captimers = cap;
	}
	id = l->next_timer_id++;
	l->timers[l->ntimers] = (struct timer){
		.id = id,
		.due = loop_now_ms() + ms,
		.period = repeat ? (ms ? ms : 1) : 0,
		.cb = cb,
		.arg = arg,
	};
	heap_up(l->timers, l->ntimers++);
	return id;
}

void loop_timer_limit(loop *l, size_t max)
{
	l->max_timers = max;
}

void loop_timer_cancel(loop *l, uint64_t id)
{
	for (size_t i = 0; i < l->ntimers; i++) {
		if (l->timers[i].id == id) {
			heap_remove(l, i);
			return;
		}
	}
}

amr_err loop_post(loop *l, loop_fn fn, void *arg, loop_fn free_fn)
{
	struct post *p = malloc(sizeof *p);

	if (!p)
		return AMR_ENOMEM;
	*p = (struct post){ NULL, fn, free_fn, arg };
	pthread_mutex_lock(&l->lock);
	if (l->tail)
		l->tail->next = p;
	else
		l->head = p;
	l->tail = p;
	pthread_mutex_unlock(&l->lock);
	wake(l);
	return AMR_OK;
}

void loop_stop(loop *l)
{
	l->stop = 1;
	wake(l);
}

bool loop_stopping(const loop *l)
{
	return l->stop != 0;
}

static void run_posts(loop *l)
{
	struct post *p;
	uint64_t junk;

	if (read(l->efd, &junk, sizeof junk) < 0 && errno != EAGAIN)
		log_warn("eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&l->lock);
	p = l->head;
	l->head = l->tail = NULL;
	pthread_mutex_unlock(&l->lock);
	while (p) {
		struct post *next = p->next;

		p->fn(p->arg);
		free(p);
		p = next;
		if (l->stop) {
			/* Keep the rest for loop_destroy() to free. */
			pthread_mutex_lock(&l->lock);
			if (p) {
				struct post *last = p;

				while (last->next)
					last = last->next;
				last->next = l->head;
				if (!l->head)
					l->tail = last;
				l->head = p;
			}
			pthread_mutex_unlock(&l->lock);
			return;
		}
	}
}

static void run_timers(loop *l)
{
	uint64_t now = loop_now_ms();

	while (l->ntimers && l->timers[0].due <= now && !l->stop) {
		struct timer t = l->timers[0];

		if (t.period) {
			l->timers[0].due = now + t.period;
			heap_down(l->timers, l->ntimers, 0);
		} else {
			heap_remove(l, 0);
		}
		t.cb(t.arg);
	}
}

/* One round of poll and dispatch. */
static int loop_once(loop *l)
{
	struct pollfd stackfds[64], *fds = stackfds;
	size_t n = 0, i;
	int timeout = -1, rc;

	/* Drop removed watches before building the poll set. */
	for (i = 0; i < l->nwatches; i++)
		if (l->watches[i].fd >= 0)
			l->watches[n++] = l->watches[i];
	l->nwatches = n;
	if (n + 1 > sizeof stackfds / sizeof stackfds[0]) {
		fds = malloc((n + 1) * sizeof *fds);
		if (!fds)
			return AMR_ENOMEM;
	}
	fds[0] = (struct pollfd){ .fd = l->efd, .events = POLLIN };
	for (i = 0; i < n; i++)
		fds[i + 1] = (struct pollfd){ .fd = l->watches[i].fd,
					      .events = l->watches[i].events };
	if (l->ntimers) {
		uint64_t now = loop_now_ms(), due = l->timers[0].due;

		timeout = due <= now ? 0 : (int)(due - now > 60000 ? 60000 : due - now);
	}
	rc = poll(fds, n + 1, timeout);
	if (rc < 0 && errno != EINTR) {
		log_error("poll: %s", strerror(errno));
		if (fds != stackfds)
			free(fds);
		return AMR_EIO;
	}
	if (rc > 0) {
		if (fds[0].revents)
			run_posts(l);
		for (i = 0; i < n && !l->stop; i++) {
			/* A callback may remove watches or add new ones
			 * (realloc), so look the watch up again each time. */
			if (fds[i + 1].revents && i < l->nwatches &&
			    l->watches[i].fd == fds[i + 1].fd) {
				struct watch w = l->watches[i];

				w.cb(w.ctx, w.fd, fds[i + 1].revents);
			}
		}
	}
	run_timers(l);
	if (fds != stackfds)
		free(fds);
	return AMR_OK;
}

amr_err loop_run(loop *l)
{
	while (!l->stop) {
		int rc = loop_once(l);

		if (rc)
			return rc;
	}
	return AMR_OK;
}

amr_err loop_run_until(loop *l, const bool *done)
{
	while (!*done && !l->stop) {
		int rc = loop_once(l);

		if (rc)
			return rc;
	}
	return *done ? AMR_OK : AMR_ESTATE;
}

static loop *signal_loop;

static void on_signal(int sig)
{
	(void)sig;
	if (signal_loop)
		loop_stop(signal_loop);
}

void loop_stop_on_signals(loop *l)
{
	struct sigaction sa;

	signal_loop = l;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
