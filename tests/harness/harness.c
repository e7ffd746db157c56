#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "loop.h"
#include "mq.h"

extern char **environ;

struct msg {
	char *topic;   /* owned */
	char *payload; /* owned, NUL-terminated */
};

struct probe;

struct probe_sub {
	struct probe *p; /* owner */
	size_t idx;	 /* index in filters */
};

struct probe {
	loop *l;	      /* the probe's loop, run by thread */
	mq *m;		      /* its client */
	pthread_t thread;     /* runs the loop */
	pthread_mutex_t lock; /* guards msgs and filters */
	pthread_cond_t cond;  /* signalled on every message */
	struct msg *msgs;     /* inbox */
	size_t n, cap;
	char *filters[64];	   /* subscribed filters */
	struct probe_sub subs[64]; /* handler contexts, one per filter */
	size_t nfilters;
	bool up;		 /* connected at least once */
	bool connected;		 /* a session is up now */
	unsigned long sync_sent; /* last token published on SYNC_TOPIC */
	unsigned long sync_seen; /* highest token that came back */
	unsigned long rpc_seq;	 /* ids of harness_rpc() requests */
};

/* The probe's own topic, outside amr/ so that no program sees it: a token
 * published there comes back after everything the broker did for the
 * probe's earlier packets (see probe_sync()). */
#define SYNC_TOPIC "harness/sync"

void harness_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * A port nobody else is given for a minute: a connection to it is made and
 * closed from the accepting side, whose end then waits in TIME_WAIT. While
 * it does, bind() to port 0 and connect() in any process pass the port
 * over, and a listener with SO_REUSEADDR (Mosquitto, libmicrohttpd, the
 * gateway's console) can still bind it. Runners in parallel and the test
 * clients' own connections therefore cannot take a port a test picked.
 */
int harness_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = 0,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c = -1, s = -1, port = -1, one = 1;

	if (l < 0)
		return -1;
	/* inherited by the accepted end: a listener that sets it may share */
	if (setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
	    bind(l, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(l, (struct sockaddr *)&a, &len) == 0 && listen(l, 1) == 0 &&
	    (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
	    connect(c, (struct sockaddr *)&a, sizeof a) == 0 &&
	    (s = accept4(l, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s); /* first: this end, on the port, goes to TIME_WAIT */
	if (c >= 0)
		close(c);
	close(l);
	return port;
}

int harness_tcp_nodelay(int port, int *total)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int on = 0;

	*total = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		int fd = atoi(e->d_name), type, nodelay;
		socklen_t tlen = sizeof type, nlen = sizeof nodelay;
		in_port_t peer_port;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d) ||
		    getpeername(fd, (struct sockaddr *)&peer, &len) != 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM)
			continue;
		if (peer.ss_family == AF_INET)
			peer_port = ((struct sockaddr_in *)&peer)->sin_port;
		else if (peer.ss_family == AF_INET6)
			peer_port = ((struct sockaddr_in6 *)&peer)->sin6_port;
		else
			continue;
		if (ntohs(peer_port) != port ||
		    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &nlen) != 0)
			continue;
		(*total)++;
		if (nodelay)
			on++;
	}
	closedir(d);
	return on;
}

static bool port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* Fork and exec path with argv and envp; output appended to logpath.
 * The child dies with the test process (PR_SET_PDEATHSIG). */
static pid_t spawn(const char *path, char *const argv[], char *const envp[], const char *logpath)
{
	pid_t parent = getpid(), pid;
	int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "harness: %s: %s\n", logpath, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		execve(path, argv, envp);
		dprintf(STDERR_FILENO, "harness: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(fd);
	if (pid < 0)
		fprintf(stderr, "harness: fork: %s\n", strerror(errno));
	return pid;
}

int harness_broker_start(struct harness *h)
{
	char conf[300], log[300], persist[300];
	char *argv[] = { "mosquitto", "-c", conf, NULL };
	struct passwd *pw = getpwuid(getuid());
	const char *nodelay = getenv("AMR_TEST_BROKER_NODELAY");
	FILE *f;

	snprintf(conf, sizeof conf, "%s/mosquitto.conf", h->dir);
	snprintf(log, sizeof log, "%s/mosquitto.log", h->dir);
	snprintf(persist, sizeof persist, "%s/broker/", h->dir);
	mkdir(persist, 0755);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f,
		"# written by the test harness\n"
		"listener %d 127.0.0.1\n"
		"allow_anonymous true\n"
		"persistence true\n"
		"persistence_location %s\n"
		"autosave_interval 1\n"
		"max_queued_messages 0\n"
		"max_inflight_messages 1000\n"
		/* As every configuration in deploy/mosquitto/: no Nagle delay on
		 * small packets (lib/tcp_nodelay.h). */
		"set_tcp_nodelay %s\n"
		"log_type error\nlog_type warning\nlog_type notice\n"
		/* Run as ourselves: a change of user would clear the
		 * parent-death signal that ties the broker to the test. */
		"user %s\n",
		h->mqtt_port, persist, nodelay && strcmp(nodelay, "0") == 0 ? "false" : "true",
		pw && pw->pw_name ? pw->pw_name : "root");
	fclose(f);
	h->broker = spawn("/usr/sbin/mosquitto", argv, environ, log);
	if (h->broker < 0) {
		h->broker = 0;
		return -1;
	}
	for (int i = 0; i < 250; i++) {
		if (port_open(h->mqtt_port))
			return 0;
		if (waitpid(h->broker, NULL, WNOHANG) == h->broker) {
			fprintf(stderr, "harness: mosquitto exited at start, see %s\n", log);
			h->broker = 0;
			return -1;
		}
		harness_sleep_ms(20);
	}
	fprintf(stderr, "harness: mosquitto did not open port %d\n", h->mqtt_port);
	return -1;
}

void harness_broker_kill(struct harness *h, int sig)
{
	if (h->broker > 0) {
		harness_kill(h, h->broker, sig);
		h->broker = 0;
	}
}

static void on_probe_msg(void *ctx, const struct mq_msg *msg)
{
	struct probe_sub *sub = ctx;
	struct probe *p = sub->p;

	pthread_mutex_lock(&p->lock);
	/* A message matching several filters is kept once, by the first. */
	for (size_t i = 0; i < sub->idx; i++) {
		if (mq_topic_matches(p->filters[i], msg->topic)) {
			pthread_mutex_unlock(&p->lock);
			return;
		}
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct msg *m = realloc(p->msgs, cap * sizeof *m);

		if (!m) {
			pthread_mutex_unlock(&p->lock);
			return;
		}
		p->msgs = m;
		p->cap = cap;
	}
	p->msgs[p->n].topic = strdup(msg->topic);
	p->msgs[p->n].payload = strdup(msg->payload);
	p->n++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void on_probe_sync(void *ctx, const struct mq_msg *msg)
{
	struct probe *p = ctx;
	unsigned long token = strtoul(msg->payload, NULL, 10);

	pthread_mutex_lock(&p->lock);
	if (token > p->sync_seen)
		p->sync_seen = token;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void on_probe_up(void *ctx)
{
	struct probe *p = ctx;

	pthread_mutex_lock(&p->lock);
	p->up = true;
	p->connected = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void on_probe_down(void *ctx)
{
	struct probe *p = ctx;

	pthread_mutex_lock(&p->lock);
	p->connected = false;
	pthread_mutex_unlock(&p->lock);
}

/* Deadline ms from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Publish a new token on SYNC_TOPIC and wait up to ms for it to come back.
 * The broker handles one client's packets in order, so when the token is
 * back, every SUBSCRIBE the probe sent before it is in force and the
 * retained messages it brought are in the inbox. The token is published
 * again every 200 ms, which covers the probe's first subscription to
 * SYNC_TOPIC itself. Returns 0, or -1 when the probe is disconnected or
 * the token did not come back in time.
 */
static int probe_sync(struct probe *p, int ms)
{
	struct timespec end = deadline_in(ms), now;
	unsigned long token;
	char text[32];
	int rc = -1;

	pthread_mutex_lock(&p->lock);
	token = ++p->sync_sent;
	pthread_mutex_unlock(&p->lock);
	snprintf(text, sizeof text, "%lu", token);
	for (;;) {
		struct timespec retry = deadline_in(200);

		pthread_mutex_lock(&p->lock);
		if (!p->connected) {
			pthread_mutex_unlock(&p->lock);
			return -1;
		}
		pthread_mutex_unlock(&p->lock);
		mq_publish(p->m, SYNC_TOPIC, text, strlen(text), 0, false);
		pthread_mutex_lock(&p->lock);
		while (p->sync_seen < token && p->connected &&
		       pthread_cond_timedwait(&p->cond, &p->lock, &retry) != ETIMEDOUT)
			;
		rc = p->sync_seen >= token ? 0 : -1;
		pthread_mutex_unlock(&p->lock);
		clock_gettime(CLOCK_REALTIME, &now);
		if (rc == 0 || !before(&now, &end))
			return rc;
	}
}

static void *probe_thread(void *arg)
{
	struct probe *p = arg;

	loop_run(p->l);
	return NULL;
}

static int probe_start(struct harness *h)
{
	struct probe *p = calloc(1, sizeof *p);
	struct mq_opts o = { 0 };
	char id[64];

	if (!p)
		return -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	snprintf(id, sizeof id, "harness-probe-%d", (int)getpid());
	o.host = "127.0.0.1";
	o.port = h->mqtt_port;
	o.client_id = id;
	o.clean_session = true;
	o.on_connect = on_probe_up;
	o.on_disconnect = on_probe_down;
	o.ctx = p;
	/* Registered before the loop runs: subscribed at every (re)connect. */
	if (loop_create(&p->l) || mq_create(&p->m, p->l, &o) ||
	    mq_subscribe(p->m, SYNC_TOPIC, 0, on_probe_sync, p) ||
	    pthread_create(&p->thread, NULL, probe_thread, p)) {
		fprintf(stderr, "harness: cannot start the probe client\n");
		return -1;
	}
	h->probe = p;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < 100 && !p->up; i++) {
		struct timespec ts = deadline_in(100);

		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
	return p->up ? 0 : -1;
}

static void probe_stop(struct harness *h)
{
	struct probe *p = h->probe;

	if (!p)
		return;
	loop_stop(p->l);
	pthread_join(p->thread, NULL);
	mq_destroy(p->m);
	loop_destroy(p->l);
	for (size_t i = 0; i < p->n; i++) {
		free(p->msgs[i].topic);
		free(p->msgs[i].payload);
	}
	for (size_t i = 0; i < p->nfilters; i++)
		free(p->filters[i]);
	free(p->msgs);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
	h->probe = NULL;
}

int harness_start(struct harness *h)
{
	const char *bin = getenv("AMR_BIN_DIR"), *tmp = getenv("TMPDIR");
	char path[1024], port[16], data[300];

	memset(h, 0, sizeof *h);
	if (!bin) {
		fprintf(stderr, "harness: AMR_BIN_DIR is not set (run through make test)\n");
		return -1;
	}
	snprintf(h->bin_dir, sizeof h->bin_dir, "%s", bin);
	snprintf(h->dir, sizeof h->dir, "%s/amr-test-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(h->dir)) {
		fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	fprintf(stderr, "harness: test directory %s\n", h->dir);
	h->mqtt_port = harness_free_port();
	snprintf(port, sizeof port, "%d", h->mqtt_port);
	snprintf(data, sizeof data, "%s/data", h->dir);
	mkdir(data, 0755);
	snprintf(path, sizeof path, "%s:%s", bin,
		 getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	/* Children and harness_run() inherit these. */
	setenv("AMR_MQTT_HOST", "127.0.0.1", 1);
	setenv("AMR_MQTT_PORT", port, 1);
	setenv("AMR_DATA_DIR", data, 1);
	/* Programs that listen get free ports too, so tests (and a developer's
	 * make run) never collide on the defaults. */
	snprintf(port, sizeof port, "%d", harness_free_port());
	setenv("AMR_HTTP_PORT", port, 1);
	snprintf(port, sizeof port, "%d", harness_free_port());
	setenv("AMR_CONSOLE_PORT", port, 1);
	setenv("PATH", path, 1);
	unsetenv("AMR_MQTT_USER");
	unsetenv("AMR_MQTT_PASSWORD");
	signal(SIGPIPE, SIG_IGN);
	if (harness_broker_start(h) || probe_start(h)) {
		harness_stop(h);
		return -1;
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void harness_dump_logs(struct harness *h)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd,
		 "for f in %s/*.log; do echo \"--- $f\"; tail -n 40 \"$f\"; done >&2", h->dir);
	if (system(cmd) < 0)
		return;
}

/* SIGTERM to every program at once, then reap them (a clean stop takes a
 * service about a second: Paho's disconnect); SIGKILL to those still up
 * after 5 s. */
static void stop_all(struct harness *h)
{
	int left = 0;

	for (int i = 0; i < HARNESS_MAX_PROCS; i++)
		if (h->procs[i].pid > 0 && kill(h->procs[i].pid, SIGTERM) == 0)
			left++;
	for (int waited = 0; left > 0 && waited < 5000; waited += 10) {
		left = 0;
		for (int i = 0; i < HARNESS_MAX_PROCS; i++) {
			pid_t pid = h->procs[i].pid;

			if (pid > 0 && waitpid(pid, NULL, WNOHANG) == 0)
				left++;
			else if (pid > 0)
				h->procs[i].pid = 0;
		}
		if (left)
			harness_sleep_ms(10);
	}
	for (int i = 0; i < HARNESS_MAX_PROCS; i++) {
		if (h->procs[i].pid > 0) {
			fprintf(stderr, "harness: %s (pid %d) ignored SIGTERM, killing\n",
				h->procs[i].name, (int)h->procs[i].pid);
			harness_kill(h, h->procs[i].pid, SIGKILL);
		}
	}
}

void harness_stop(struct harness *h)
{
	stop_all(h);
	probe_stop(h);
	harness_broker_kill(h, SIGTERM);
	if (h->dir[0] && !getenv("AMR_TEST_KEEP"))
		nftw(h->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	h->dir[0] = '\0';
}

pid_t harness_spawn_env(struct harness *h, const char *name, const char *const *args,
			const char *const *env)
{
	char path[600], log[400];
	char *argv[64], *envp[256];
	size_t n = 0, e = 0;
	pid_t pid;
	int slot;

	for (slot = 0; slot < HARNESS_MAX_PROCS && h->procs[slot].pid > 0; slot++)
		;
	if (slot == HARNESS_MAX_PROCS)
		return -1;
	/* A name with a slash is a path (e.g. /usr/sbin/mosquitto). */
	if (strchr(name, '/'))
		snprintf(path, sizeof path, "%s", name);
	else
		snprintf(path, sizeof path, "%s/%s", h->bin_dir, name);
	snprintf(log, sizeof log, "%s/%s.log", h->dir,
		 strrchr(name, '/') ? strrchr(name, '/') + 1 : name);
	argv[n++] = (char *)name;
	for (size_t i = 0; args && args[i] && n < 63; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	for (size_t i = 0; env && env[i] && e < 128; i++)
		envp[e++] = (char *)env[i];
	for (char **v = environ; *v && e < 255; v++) {
		/* An override given in env wins over the inherited variable. */
		size_t klen = strcspn(*v, "=");
		bool overridden = false;

		for (size_t i = 0; env && env[i]; i++)
			if (strncmp(env[i], *v, klen + 1) == 0)
				overridden = true;
		if (!overridden)
			envp[e++] = *v;
	}
	envp[e] = NULL;
	pid = spawn(path, argv, envp, log);
	if (pid > 0) {
		h->procs[slot].pid = pid;
		snprintf(h->procs[slot].name, sizeof h->procs[slot].name, "%s", name);
	}
	return pid;
}

pid_t harness_spawn(struct harness *h, const char *name, const char *const *args)
{
	return harness_spawn_env(h, name, args, NULL);
}

static void forget(struct harness *h, pid_t pid)
{
	for (int i = 0; i < HARNESS_MAX_PROCS; i++)
		if (h->procs[i].pid == pid)
			h->procs[i].pid = 0;
}

int harness_wait_exit(struct harness *h, pid_t pid, int ms)
{
	int status;

	for (int waited = 0; waited <= ms; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			forget(h, pid);
			return status;
		}
		if (r < 0) {
			forget(h, pid);
			return -1;
		}
		harness_sleep_ms(10);
	}
	return -1;
}

int harness_kill(struct harness *h, pid_t pid, int sig)
{
	int status = -1;

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	if (sig != SIGKILL) {
		status = harness_wait_exit(h, pid, 5000);
		if (status != -1)
			return status;
		fprintf(stderr, "harness: pid %d ignored signal %d, killing\n", (int)pid, sig);
		kill(pid, SIGKILL);
	}
	waitpid(pid, &status, 0);
	forget(h, pid);
	return status;
}

char *harness_run(struct harness *h, const char *cmdline, int *status)
{
	FILE *f = popen(cmdline, "r");
	char *out = NULL;
	size_t len = 0, cap = 0;
	char buf[4096];
	size_t n;
	int st;

	(void)h;
	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *p = realloc(out, cap);
			if (!p)
				break;
			out = p;
		}
		memcpy(out + len, buf, n);
		len += n;
	}
	st = pclose(f);
	if (status)
		*status = st;
	if (!out)
		out = strdup("");
	else
		out[len] = '\0';
	return out;
}

struct sub_req {
	struct probe *p; /* probe */
	size_t idx;	 /* the filter's index */
	char *filter;	 /* owned until handed to the list */
	bool done;	 /* set by the loop thread */
};

static void do_subscribe(void *arg)
{
	struct sub_req *r = arg;

	mq_subscribe(r->p->m, r->filter, 1, on_probe_msg, &r->p->subs[r->idx]);
	pthread_mutex_lock(&r->p->lock);
	r->done = true;
	pthread_cond_broadcast(&r->p->cond);
	pthread_mutex_unlock(&r->p->lock);
}

int harness_subscribe(struct harness *h, const char *filter)
{
	struct probe *p = h->probe;
	struct sub_req r = { p, 0, NULL, false };

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nfilters; i++) {
		if (strcmp(p->filters[i], filter) == 0) {
			pthread_mutex_unlock(&p->lock);
			return 0;
		}
	}
	if (p->nfilters == 64) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	r.idx = p->nfilters;
	p->subs[r.idx] = (struct probe_sub){ p, r.idx };
	r.filter = p->filters[p->nfilters++] = strdup(filter);
	pthread_mutex_unlock(&p->lock);
	if (loop_post(p->l, do_subscribe, &r, NULL))
		return -1;
	pthread_mutex_lock(&p->lock);
	while (!r.done)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	/* The subscription is in force (and its retained messages are in) once
	 * a token published after it comes back. Without a session (the broker
	 * is down) it is made at the reconnect; nothing to wait for here. */
	probe_sync(p, 5000);
	return 0;
}

int harness_sync(struct harness *h, int ms)
{
	return probe_sync(h->probe, ms);
}

void harness_poke(struct harness *h)
{
	struct probe *p = h->probe;
	bool up;

	pthread_mutex_lock(&p->lock);
	up = p->connected;
	pthread_mutex_unlock(&p->lock);
	if (up) /* else it would wait in Paho's buffer */
		mq_publish(p->m, SYNC_TOPIC, "0", 1, 0, false);
}

int harness_wait_port(int port, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		if (port_open(port))
			return 0;
		harness_sleep_ms(10);
	}
	return -1;
}

char *harness_rpc(struct harness *h, const char *method, const char *args, int ms)
{
	struct probe *p = h->probe;
	char reply[64], id[32], needle[48], *req;
	unsigned long n;
	int len, rc;

	pthread_mutex_lock(&p->lock);
	n = ++p->rpc_seq;
	pthread_mutex_unlock(&p->lock);
	snprintf(reply, sizeof reply, "amr/v1/rpc/reply/harness-%d", (int)getpid());
	snprintf(id, sizeof id, "h%lu", n);
	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	if (harness_subscribe(h, reply))
		return NULL;
	len = asprintf(&req, "{\"id\":\"%s\",\"reply\":\"%s\",\"args\":%s}", id, reply,
		       args ? args : "{}");
	if (len < 0)
		return NULL;
	{
		char topic[160];

		snprintf(topic, sizeof topic, "amr/v1/rpc/%s", method);
		rc = harness_publish(h, topic, req, 1, false);
	}
	free(req);
	return rc ? NULL : harness_wait_message(h, reply, needle, ms);
}

int harness_barrier(struct harness *h, const char *service, int ms)
{
	char method[80], *answer;

	snprintf(method, sizeof method, "%s/ping", service);
	answer = harness_rpc(h, method, NULL, ms);
	if (!answer)
		return -1;
	free(answer);
	return 0;
}

int harness_publish(struct harness *h, const char *topic, const char *payload, int qos, bool retain)
{
	struct probe *p = h->probe;

	return mq_publish(p->m, topic, payload, strlen(payload), qos, retain) ? -1 : 0;
}

char *harness_wait_message(struct harness *h, const char *filter, const char *needle, int ms)
{
	struct probe *p = h->probe;
	struct timespec deadline;
	size_t seen = 0;
	char *found = NULL;

	if (harness_subscribe(h, filter))
		return NULL;
	deadline = deadline_in(ms);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		for (; seen < p->n; seen++) {
			if (mq_topic_matches(filter, p->msgs[seen].topic) &&
			    (!needle || strstr(p->msgs[seen].payload, needle))) {
				found = strdup(p->msgs[seen].payload);
				goto out;
			}
		}
		if (pthread_cond_timedwait(&p->cond, &p->lock, &deadline) == ETIMEDOUT) {
			/* One last look at what came in meanwhile. */
			if (seen == p->n)
				break;
		}
	}
out:
	pthread_mutex_unlock(&p->lock);
	return found;
}

void harness_clear_inbox(struct harness *h)
{
	struct probe *p = h->probe;

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n; i++) {
		free(p->msgs[i].topic);
		free(p->msgs[i].payload);
	}
	p->n = 0;
	pthread_mutex_unlock(&p->lock);
}
