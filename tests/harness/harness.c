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
#include "harness_int.h"
#include "loop.h"
#include "mq.h"

extern char **environ;

uint64_t harness_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

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
	const char *also = getenv("AMR_TEST_BROKER_ADDR");
	FILE *f;

	snprintf(conf, sizeof conf, "%s/mosquitto.conf", h->dir);
	snprintf(log, sizeof log, "%s/mosquitto.log", h->dir);
	snprintf(persist, sizeof persist, "%s/broker/", h->dir);
	mkdir(persist, 0755);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	/* before any listener: each listener's settings are then its own */
	if (h->auth_port)
		fputs("per_listener_settings true\n", f);
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
	/* A second address on the same port: a gateway in another network
	 * namespace reaches the broker there (tests/faults/netns.h); open
	 * like the first (with per_listener_settings it needs saying). */
	if (also && *also)
		fprintf(f, "listener %d %s\nallow_anonymous true\n", h->mqtt_port, also);
	/* mosquitto.conf: with per_listener_settings, what follows a listener
	 * line (allow_anonymous above, the auth options below) is that
	 * listener's. */
	if (h->auth_port)
		fprintf(f,
			"listener %d 127.0.0.1\n"
			"allow_anonymous false\n"
			"password_file %s\n"
			"acl_file %s\n",
			h->auth_port, h->auth_passwd, h->auth_acl);
	fclose(f);
	h->broker = spawn("/usr/sbin/mosquitto", argv, environ, log);
	if (h->broker < 0) {
		h->broker = 0;
		return -1;
	}
	for (int i = 0; i < 250; i++) {
		if (port_open(h->mqtt_port) && (!h->auth_port || port_open(h->auth_port)))
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

int harness_broker_auth(struct harness *h, const char *passwd, const char *acl)
{
	snprintf(h->auth_passwd, sizeof h->auth_passwd, "%s", passwd);
	snprintf(h->auth_acl, sizeof h->auth_acl, "%s", acl);
	h->auth_port = harness_free_port();
	/* a new probe: the old one's reconnection would take seconds */
	harness__probe_stop(h);
	harness_broker_kill(h, SIGTERM);
	if (harness_broker_start(h) || harness__probe_start(h))
		return -1;
	return h->auth_port;
}

void harness_broker_kill(struct harness *h, int sig)
{
	if (h->broker > 0) {
		harness_kill(h, h->broker, sig);
		h->broker = 0;
	}
}

int harness_broker_restart(struct harness *h, bool keep_persistence)
{
	char db[320];

	snprintf(db, sizeof db, "%s/broker/mosquitto.db", h->dir);
	if (!keep_persistence && unlink(db) != 0) {
		fprintf(stderr, "harness: %s: %s\n", db, strerror(errno));
		return -1;
	}
	return harness_broker_start(h);
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
	if (harness_broker_start(h) || harness__probe_start(h)) {
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

long harness_log_mark(struct harness *h, const char *name)
{
	char path[400];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s.log", h->dir, name);
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

int harness_log_count(struct harness *h, const char *name, long mark, const char *needle)
{
	char path[400], *line = NULL;
	size_t cap = 0;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.log", h->dir, name);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fseek(f, mark, SEEK_SET) == 0)
		while (getline(&line, &cap, f) > 0)
			n += strstr(line, needle) != NULL;
	free(line);
	fclose(f);
	return n;
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
	harness__probe_stop(h);
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

int harness_wait_port(int port, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		if (port_open(port))
			return 0;
		harness_sleep_ms(10);
	}
	return -1;
}

void harness_loop_wake(void *wake)
{
	*(bool *)wake = true;
}
