/*
 * Integration test of the gateway's Telnet console with Debian's telnet
 * client driven by a script: "show addr", "objnum=77", "save all"; the
 * change survives a restart, an unsaved change does not survive "reset",
 * and the console answers with the seed's greeting and prompt.
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/harness.h"

static struct harness h;
static char bus[300], port[16];

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
	snprintf(bus, sizeof bus, "%s/bus", h.dir);
	snprintf(port, sizeof port, "%d", harness_free_port());
}

static void teardown(void)
{
	harness_stop(&h);
}

/* Wait for a message; fail the test if none comes. */
static void expect(struct harness *hh, const char *filter, const char *needle, int ms)
{
	char *msg = harness_wait_message(hh, filter, needle, ms);

	ck_assert_msg(msg != NULL, "no message on %s with %s", filter, needle ? needle : "-");
	free(msg);
}

static pid_t start_gateway(void)
{
	const char *args[] = { "--serial",	 bus,  "--poll", "1-3", "--batch-interval", "1",
			       "--console-port", port, NULL };
	pid_t pid = harness_spawn(&h, "amr-gateway", args);

	ck_assert_int_gt(pid, 0);
	return pid;
}

/*
 * Read what telnet prints (fd) into *buf (size *cap, grown) at *len until
 * what came after mark ends with the console's prompt (">> ", or
 * "Password: "; never when to_end), telnet ended, or ms passed.
 */
static void read_until_prompt(int fd, char **buf, size_t *len, size_t *cap, size_t mark,
			      bool to_end, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	for (int waited = 0; waited < ms;) {
		size_t n = *len - mark;
		const char *tail = *buf + mark;
		ssize_t r;

		if (!to_end && ((n >= 3 && !memcmp(tail + n - 3, ">> ", 3)) ||
				(n >= 10 && !memcmp(tail + n - 10, "Password: ", 10))))
			return;
		if (poll(&p, 1, 100) == 0) {
			waited += 100;
			continue;
		}
		if (*len + 4096 > *cap) {
			*cap = (*len + 4096) * 2;
			*buf = realloc(*buf, *cap);
			ck_assert_ptr_nonnull(*buf);
		}
		r = read(fd, *buf + *len, *cap - *len - 1);
		if (r <= 0)
			return; /* telnet ended: the console hung up */
		*len += (size_t)r;
		(*buf)[*len] = '\0';
	}
}

/* Type lines into Debian's telnet, each once the console answered the one
 * before with its prompt (or hung up); its output. */
static char *telnet(const char *const *lines)
{
	char *buf = calloc(1, 4096);
	size_t len = 0, cap = 4096;
	int in[2], out[2], status;
	pid_t pid;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		execlp("timeout", "timeout", "20", "telnet", "127.0.0.1", port, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	for (int i = 0; lines[i]; i++) {
		read_until_prompt(out[0], &buf, &len, &cap, len, false, 10000);
		if (write(in[1], lines[i], strlen(lines[i])) < 0 || write(in[1], "\n", 1) < 0)
			break; /* it hung up already */
	}
	/* the last answer, then telnet ends with its input */
	read_until_prompt(out[0], &buf, &len, &cap, len, false, 10000);
	close(in[1]);
	read_until_prompt(out[0], &buf, &len, &cap, len, true, 10000);
	close(out[0]);
	waitpid(pid, &status, 0);
	return buf;
}

/* The console is up once the status is published. */
static void wait_up(const char *obj)
{
	char topic[64];
	char *msg;

	snprintf(topic, sizeof topic, "amr/v1/gw/%s/status", obj);
	msg = harness_wait_message(&h, topic, "\"online\":true", 15000);
	ck_assert_msg(msg != NULL, "no status on %s", topic);
	free(msg);
}

START_TEST(test_telnet_objnum_survives_restart)
{
	const char *sim_args[] = { "--bus", bus, "--devices", "2", NULL };
	const char *first[] = { "show addr", "objnum=77", "save all", "ipconfig", "exit", NULL };
	const char *second[] = { "ipconfig", "objnum=5", "reset", NULL };
	const char *third[] = { "ipconfig", "RS485 timeout=0", "exit", NULL };
	pid_t gw;
	char *out;

	ck_assert_int_gt(harness_spawn(&h, "amr-sim", sim_args), 0);
	gw = start_gateway();
	expect(&h, "amr/v1/gw/1/status", "\"responding\":2", 15000);
	out = telnet(first);
	ck_assert_msg(
		strstr(out, "Hello!\r\nType \"help\" for help or press \"Esc\" for exit.\r\n>> "),
		"no greeting in: %s", out);
	ck_assert_msg(strstr(out, "001+ 002+ 003-\r\n"), "show addr wrong: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "Object number: 77\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "All options saved\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Bye!"));
	free(out);
	/* stopped and started: the saved object number is used */
	harness_kill(&h, gw, SIGTERM);
	gw = start_gateway();
	wait_up("77");
	out = telnet(second);
	ck_assert_msg(strstr(out, "Object number: 77\r\n"), "not kept: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "Resetting..."));
	free(out);
	/* "reset" restarted the process; the unsaved objnum=5 is gone */
	harness_clear_inbox(&h);
	wait_up("77");
	out = telnet(third);
	ck_assert_msg(strstr(out, "Object number: 77\r\n"), "after reset: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "Bad value \"0\": RS485 timeout must be 1...240 s\r\n"));
	free(out);
}
END_TEST

START_TEST(test_password)
{
	const char *args[] = { "--serial", bus, "--console-port", port, NULL };
	const char *env[] = { "AMR_CONSOLE_PASSWORD=s3cret", NULL };
	const char *wrong[] = { "guess", "RS485 timeout", NULL };
	const char *right[] = { "s3cret", "RS485 timeout", "exit", NULL };
	char *out;

	ck_assert_int_gt(harness_spawn_env(&h, "amr-gateway", args, env), 0);
	wait_up("1");
	out = telnet(wrong);
	ck_assert_ptr_nonnull(strstr(out, "Password: "));
	ck_assert_ptr_nonnull(strstr(out, "Wrong password"));
	ck_assert_ptr_null(strstr(out, "Hello!"));
	ck_assert_ptr_null(strstr(out, "RS485 timeout: 5 s"));
	free(out);
	out = telnet(right);
	ck_assert_ptr_nonnull(strstr(out, "Hello!"));
	ck_assert_ptr_nonnull(strstr(out, "RS485 timeout: 5 s"));
	ck_assert_ptr_null(strstr(out, "s3cret"));
	free(out);
}
END_TEST

/* A raw TCP client of the console (no Telnet negotiation answered). */
/* A connection to the console from loopback address 127.0.0.<from>. */
static int dial_from(int from)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	struct sockaddr_in me = { .sin_family = AF_INET };
	char src[24];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	snprintf(src, sizeof src, "127.0.0.%d", from);
	inet_pton(AF_INET, src, &me.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&me, sizeof me), 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

static int dial(void)
{
	return dial_from(1);
}

/* What fd says within ms (NUL bytes dropped); *closed when it hung up. */
static void hear(int fd, int ms, char *buf, size_t size, bool *closed)
{
	size_t n = 0;
	struct pollfd p = { fd, POLLIN, 0 };

	*closed = false;
	while (n + 1 < size && poll(&p, 1, ms) == 1) {
		char got[512];
		ssize_t r = recv(fd, got, sizeof got, 0);

		if (r <= 0) {
			*closed = true;
			break;
		}
		for (ssize_t i = 0; i < r && n + 1 < size; i++)
			if (got[i])
				buf[n++] = got[i];
		ms = 300;
	}
	buf[n] = '\0';
}

/* Four connections that never type cannot keep the console: they are
 * closed after --console-idle, and a subnegotiation that never ends does
 * not swallow the input after it. */
START_TEST(test_idle_sessions_are_closed)
{
	const char *args[] = {
		"--serial", bus, "--console-port", port, "--console-idle", "2", NULL
	};
	static const unsigned char sb[] = { 255, 250, 24 }; /* IAC SB TERMINAL-TYPE, no SE */
	char buf[4096], junk[100];
	int idle[4], fd;
	bool closed;

	ck_assert_int_gt(harness_spawn(&h, "amr-gateway", args), 0);
	wait_up("1");
	for (int i = 0; i < 4; i++) {
		idle[i] = dial_from(2 + i); /* four addresses: one may hold two */
		hear(idle[i], 2000, buf, sizeof buf, &closed);
		ck_assert_msg(strstr(buf, "Hello!"), "session %d: %s", i, buf);
	}
	fd = dial_from(9);
	hear(fd, 2000, buf, sizeof buf, &closed);
	ck_assert_msg(strstr(buf, "Busy") && closed, "a fifth session: %s", buf);
	close(fd);
	for (int i = 0; i < 4; i++) {
		hear(idle[i], 5000, buf, sizeof buf, &closed);
		ck_assert_msg(strstr(buf, "Idle too long") && closed, "session %d: %s", i, buf);
		close(idle[i]);
	}
	fd = dial();
	hear(fd, 2000, buf, sizeof buf, &closed);
	ck_assert_msg(strstr(buf, "Hello!"), "after the idle ones: %s", buf);
	ck_assert_int_eq(send(fd, sb, sizeof sb, 0), (ssize_t)sizeof sb);
	memset(junk, 'x', sizeof junk);
	ck_assert_int_eq(send(fd, junk, sizeof junk, 0), (ssize_t)sizeof junk);
	ck_assert_int_eq(send(fd, "\r\nipconfig\r\n", 12, 0), 12);
	hear(fd, 2000, buf, sizeof buf, &closed);
	ck_assert_msg(strstr(buf, "Object number: 1"), "after an endless subnegotiation: %s", buf);
	close(fd);
}
END_TEST

/* Empty lines are no activity, and one address cannot take every
 * session: a client sending an empty line every half second is closed as
 * idle while one typing commands stays; a third session of one address
 * is refused while other addresses still get theirs. */
START_TEST(test_console_cannot_be_held)
{
	const char *args[] = {
		"--serial", bus, "--console-port", port, "--console-idle", "2", NULL
	};
	char buf[4096];
	int a1, a2, a3, b, c;
	bool closed = false, b_closed = false;

	ck_assert_int_gt(harness_spawn(&h, "amr-gateway", args), 0);
	wait_up("1");
	a1 = dial_from(2);
	a2 = dial_from(2);
	hear(a2, 1000, buf, sizeof buf, &closed);
	ck_assert_msg(strstr(buf, "Hello!"), "a second session of one address: %s", buf);
	a3 = dial_from(2);
	hear(a3, 1000, buf, sizeof buf, &closed);
	ck_assert_msg(strstr(buf, "from your address") && closed, "a third: %s", buf);
	close(a3);
	b = dial_from(3);
	c = dial_from(4);
	hear(c, 1000, buf, sizeof buf, &closed);
	ck_assert_msg(strstr(buf, "Hello!") && !closed, "another address: %s", buf);
	close(c);
	close(a2);
	/* a1 keeps sending empty lines, b types a command, every 0.5 s, until
	 * a1 is closed (idle after 2 s) or 10 s passed */
	hear(a1, 300, buf, sizeof buf, &closed);
	hear(b, 300, buf, sizeof buf, &closed);
	closed = false;
	for (int i = 0; i < 20 && !closed; i++) {
		if (send(a1, "\r\n", 2, MSG_NOSIGNAL) != 2)
			closed = true;
		ck_assert_int_eq(send(b, "ipconfig\r\n", 10, MSG_NOSIGNAL), 10);
		hear(b, 250, buf, sizeof buf, &b_closed);
		ck_assert_msg(!b_closed, "the typing session was closed");
		if (!closed) {
			hear(a1, 250, buf, sizeof buf, &closed);
			if (strstr(buf, "Idle too long"))
				closed = true;
		}
	}
	ck_assert_msg(closed, "a session sending only empty lines was kept for 10 s");
	ck_assert_int_eq(send(b, "ipconfig\r\n", 10, MSG_NOSIGNAL), 10);
	hear(b, 1000, buf, sizeof buf, &b_closed);
	ck_assert_msg(strstr(buf, "Object number: 1") && !b_closed, "the typing session: %s", buf);
	close(a1);
	close(b);
}
END_TEST

/* What is typed on the console and changes something reaches the audit
 * trail: the gateway reports it in its next batch (durable, under its own
 * topic), ingest relays it as actor console@<peer>. "reset" spools the
 * session's records before the restart; "show addr" changes nothing. */
START_TEST(test_console_changes_are_audited)
{
	const char *sim_args[] = { "--bus", bus, "--devices", "2", NULL };
	const char *lines[] = { "show addr", "zero ch=1 addr=001", "add addr=005", "reset", NULL };
	const char *ingest_args[] = { NULL };
	char *out, *m;

	ck_assert_int_eq(harness_subscribe(&h, "amr/v1/audit"), 0);
	ck_assert_int_gt(harness_spawn(&h, "amr-ingest", ingest_args), 0);
	expect(&h, "amr/v1/svc/ingest/status", "\"online\":true", 15000);
	ck_assert_int_gt(harness_spawn(&h, "amr-sim", sim_args), 0);
	start_gateway();
	expect(&h, "amr/v1/gw/1/status", "\"responding\":2", 15000);
	out = telnet(lines);
	ck_assert_msg(strstr(out, "Resetting..."), "%s", out);
	free(out);
	m = harness_wait_message(&h, "amr/v1/audit", "\"line\":\"zero ch=1 addr=001\"", 15000);
	ck_assert_msg(m != NULL, "no audit record of the console's zero");
	ck_assert_msg(strstr(m, "\"actor\":\"console@127.0.0.1\"") &&
			      strstr(m, "\"action\":\"console\"") && strstr(m, "\"target\":\"1\""),
		      "%s", m);
	free(m);
	expect(&h, "amr/v1/audit", "\"line\":\"add addr=005\"", 15000);
	/* the last line before the restart: its record was spooled first */
	expect(&h, "amr/v1/audit", "\"line\":\"reset\"", 15000);
	/* typed before those, so it would have come with them */
	m = harness_wait_message(&h, "amr/v1/audit", "show addr", 0);
	ck_assert_msg(m == NULL, "a look is not a change: %s", m);
}
END_TEST

static Suite *telnet_suite(void)
{
	Suite *s = suite_create("gateway_telnet");
	TCase *tc = tcase_create("telnet");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_telnet_objnum_survives_restart);
	tcase_add_test(tc, test_password);
	tcase_add_test(tc, test_console_changes_are_audited);
	tcase_add_test(tc, test_idle_sessions_are_closed);
	tcase_add_test(tc, test_console_cannot_be_held);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(telnet_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
