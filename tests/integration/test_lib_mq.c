/*
 * lib/mq against a real Mosquitto: persistent sessions keep QoS 1
 * messages for an absent client, the last will is published, the client
 * reconnects by itself after the broker restarts, and TCP connections
 * (Paho's to the broker among them) get TCP_NODELAY from
 * lib/tcp_nodelay.c while other sockets pass through untouched.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "harness.h"
#include "loop.h"
#include "mq.h"
#include "mq_client.h"
#include "rpc.h"

static struct harness h;

static void setup(void)
{
	ck_assert_int_eq(harness_start(&h), 0);
}

static void teardown(void)
{
	harness_stop(&h);
}

START_TEST(persistent_session_keeps_messages_for_an_absent_client)
{
	struct client c;
	char payload[32];

	client_open(&c, &h, "persist-1", false, NULL, "t/q");
	client_sync(&c, "t/q");
	client_close(&c);

	for (int i = 1; i <= 20; i++) {
		snprintf(payload, sizeof payload, "{\"n\":%d}", i);
		ck_assert_int_eq(harness_publish(&h, "t/q", payload, 1, false), 0);
	}
	/* the broker has them (for the absent client) before it comes back */
	ck_assert_int_eq(harness_sync(&h, 5000), 0);

	/* Same client id, clean session off: the broker kept all 20. */
	client_open(&c, &h, "persist-1", false, NULL, "t/q");
	RUN_UNTIL(&c, c.got >= 20, 5000);
	ck_assert_int_eq(c.got, 20);
	ck_assert_str_eq(c.last, "{\"n\":20}");
	client_close(&c);
}
END_TEST

START_TEST(will_is_published_when_the_client_vanishes)
{
	pid_t pid;
	char *w;

	/* A real program dies: amr-billing's will marks it offline. */
	pid = harness_spawn(&h, "amr-billing", (const char *[]){ NULL });
	w = harness_wait_message(&h, "amr/v1/svc/billing/status", "\"online\":true", 10000);
	ck_assert_ptr_nonnull(w);
	free(w);
	harness_clear_inbox(&h);
	harness_kill(&h, pid, SIGKILL);
	w = harness_wait_message(&h, "amr/v1/svc/billing/status", "{\"online\":false}", 10000);
	ck_assert_ptr_nonnull(w);
	free(w);
}
END_TEST

START_TEST(client_reconnects_and_resubscribes_after_broker_restart)
{
	struct client c;

	client_open(&c, &h, "reconnect-1", false, NULL, "t/r");
	client_sync(&c, "t/r");
	harness_broker_kill(&h, SIGKILL);
	RUN_UNTIL(&c, !mq_connected(c.m), 5000);
	ck_assert(!mq_connected(c.m));
	ck_assert_int_eq(harness_broker_start(&h), 0);
	c.up = false;
	RUN_UNTIL(&c, c.up, 15000);
	ck_assert_msg(c.up, "no reconnect after the broker came back");
	/* The probe reconnects on its own as well; publish until both are. */
	for (int i = 0; i < 50 && c.got == 0; i++) {
		harness_publish(&h, "t/r", "{\"after\":true}", 1, false);
		RUN_UNTIL(&c, c.got > 0, 200);
	}
	ck_assert_int_gt(c.got, 0);
	ck_assert_str_eq(c.last, "{\"after\":true}");
	client_close(&c);
}
END_TEST

START_TEST(publish_while_disconnected_is_buffered)
{
	struct client c, rx;

	/* A receiver with a persistent session: the broker (stopped cleanly,
	 * so it saves its state) keeps its subscription across the restart. */
	client_open(&rx, &h, "buffer-rx", false, NULL, "t/b");
	client_sync(&rx, "t/b");
	client_close(&rx);
	client_open(&c, &h, "buffer-tx", false, NULL, NULL);
	harness_broker_kill(&h, SIGTERM);
	RUN_UNTIL(&c, !mq_connected(c.m), 5000);
	ck_assert(!mq_connected(c.m));
	ck_assert_int_eq(mq_publish(c.m, "t/b", "{\"kept\":1}", 10, 1, false), AMR_OK);
	ck_assert_int_eq(harness_broker_start(&h), 0);
	c.up = false;
	RUN_UNTIL(&c, c.up, 15000);
	ck_assert(c.up);
	/* The receiver comes back; the sender's next message goes after the
	 * buffered one, so once it is in, the buffered one arrived as often
	 * as it ever will. */
	client_open(&rx, &h, "buffer-rx", false, NULL, "t/b");
	ck_assert_int_eq(mq_publish(c.m, "t/b", "{\"next\":2}", 10, 1, false), AMR_OK);
	RUN_UNTIL(&rx, strcmp(rx.last, "{\"next\":2}") == 0, 5000);
	ck_assert_str_eq(rx.last, "{\"next\":2}");
	ck_assert_msg(rx.got == 2, "the buffered message arrived %d times", rx.got - 1);
	ck_assert_str_eq(rx.first, "{\"kept\":1}");
	client_close(&c);
	client_close(&rx);
}
END_TEST

/* ---- TCP_NODELAY (lib/tcp_nodelay.c) ---- */

static int nodelay_of(int fd)
{
	int on = -1;
	socklen_t len = sizeof on;

	return getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) ? -1 : on;
}

START_TEST(tcp_connections_get_nodelay_other_sockets_pass_through)
{
	struct sockaddr_in broker = { .sin_family = AF_INET,
				      .sin_port = htons((uint16_t)h.mqtt_port),
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in closed = broker;
	struct sockaddr_un un = { .sun_family = AF_UNIX }, nowhere = { .sun_family = AF_UNIX };
	struct client c;
	int total, on, fd, lfd, afd, rc, err;
	char byte = 0;

	/* Paho's sockets, made inside libpaho-mqtt3as: the client's and the
	 * harness's probe's. */
	client_open(&c, &h, "nodelay-1", true, NULL, NULL);
	on = harness_tcp_nodelay(h.mqtt_port, &total);
	ck_assert_int_ge(total, 2);
	ck_assert_msg(on == total, "TCP_NODELAY on %d of %d connections to the broker", on, total);
	client_close(&c);

	/* A plain connect() of the program's own. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(nodelay_of(fd), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&broker, sizeof broker), 0);
	ck_assert_int_eq(nodelay_of(fd), 1);
	close(fd);

	/* A refused TCP connect keeps its result and errno. */
	closed.sin_port = htons((uint16_t)harness_free_port());
	fd = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	rc = connect(fd, (struct sockaddr *)&closed, sizeof closed);
	err = errno;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err, ECONNREFUSED);
	close(fd);

	/* A unix socket connects and carries data as before, and has no TCP
	 * options; a missing path keeps its ENOENT. */
	ck_assert_int_lt(strlen(h.dir), 80);
	snprintf(un.sun_path, sizeof un.sun_path, "%.80s/nodelay.sock", h.dir);
	snprintf(nowhere.sun_path, sizeof nowhere.sun_path, "%.80s/missing.sock", h.dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&un, sizeof un), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&un, sizeof un), 0);
	afd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(afd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(read(afd, &byte, 1), 1);
	ck_assert_int_eq(byte, 'x');
	ck_assert_int_eq(nodelay_of(fd), -1);
	close(afd);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	rc = connect(fd, (struct sockaddr *)&nowhere, sizeof nowhere);
	err = errno;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err, ENOENT);
	close(fd);
	close(lfd);
}
END_TEST

/* Paho binds to our connect() only in a program that exports one, and an
 * object of libamr.a is linked only when referenced (by mq_create() in
 * every program using lib/mq.c). The test above cannot see a program that
 * lost the reference: this one calls connect() itself, which links it
 * anyway. So: every program in $AMR_BIN_DIR that uses Paho exports it. */
START_TEST(every_program_with_paho_exports_connect)
{
	char *out;
	int status, n = 0;

	out = harness_run(&h,
			  "n=0; for f in \"$AMR_BIN_DIR\"/*; do "
			  "nm -D \"$f\" 2>/dev/null | grep -q ' U MQTTAsync_create' || continue; "
			  "n=$((n + 1)); nm -D --defined-only \"$f\" | grep -q ' T connect$' || "
			  "echo \"no connect: $f\"; done; echo \"checked $n\"",
			  &status);
	ck_assert_msg(sscanf(out, "checked %d", &n) == 1, "%s", out);
	/* amrctl, amr-gateway and the five services */
	ck_assert_msg(n >= 7, "only %d programs use Paho", n);
	free(out);
}
END_TEST

/* ---- TLS ---- */

static void on_tls_up(void *ctx)
{
	((struct client *)ctx)->up = true;
}

/* A client with the broker's CA connects over TLS and talks; one with
 * another CA is refused. */
START_TEST(tls_with_the_right_ca_only)
{
	char cmd[2048], conf[300], *out;
	struct mq_opts o = { 0 };
	struct client c;
	int status, total, port = harness_free_port();
	FILE *f;

	snprintf(cmd, sizeof cmd,
		 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout ca.key -out ca.crt -subj /CN=test-ca -days 2 2>&1 && "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key "
		 "-out srv.csr -subj /CN=127.0.0.1 2>&1 && "
		 "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
		 "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		 "-out srv.crt -days 2 -extfile san.ext 2>&1 && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout other.key -out other.crt -subj /CN=other-ca -days 2 2>&1",
		 h.dir);
	out = harness_run(&h, cmd, &status);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "openssl: %s", out);
	free(out);
	snprintf(conf, sizeof conf, "%s/tls.conf", h.dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"listener %d 127.0.0.1\nallow_anonymous true\ncafile %s/ca.crt\n"
		"certfile %s/srv.crt\nkeyfile %s/srv.key\nuser %s\n",
		port, h.dir, h.dir, h.dir, getenv("USER") ? getenv("USER") : "root");
	fclose(f);
	ck_assert_int_gt(
		harness_spawn(&h, "/usr/sbin/mosquitto", (const char *[]){ "-c", conf, NULL }), 0);
	ck_assert_int_eq(harness_wait_port(port, 5000), 0);

	for (int good = 1; good >= 0; good--) {
		char ca[300];

		snprintf(ca, sizeof ca, "%s/%s", h.dir, good ? "ca.crt" : "other.crt");
		memset(&c, 0, sizeof c);
		c.h = &h;
		o = (struct mq_opts){ .host = "127.0.0.1",
				      .port = port,
				      .cafile = ca,
				      .client_id = good ? "tls-good" : "tls-bad",
				      .clean_session = true,
				      .on_connect = on_tls_up,
				      .ctx = &c };
		ck_assert_int_eq(loop_create(&c.l), AMR_OK);
		ck_assert_int_eq(mq_create(&c.m, c.l, &o), AMR_OK);
		ck_assert_int_eq(mq_subscribe(c.m, "t/tls", 1, mqc_on_msg, &c), AMR_OK);
		RUN_UNTIL(&c, c.up, 5000);
		if (good) {
			ck_assert_msg(c.up, "no TLS session with the broker's CA");
			ck_assert_int_eq(harness_tcp_nodelay(port, &total), 1);
			ck_assert_int_eq(total, 1);
			/* subscribed before on_connect: its own message comes */
			ck_assert_int_eq(mq_publish(c.m, "t/tls", "{\"x\":1}", 7, 1, false),
					 AMR_OK);
			RUN_UNTIL(&c, c.got > 0, 5000);
			ck_assert_int_eq(c.got, 1);
		} else {
			ck_assert_msg(!c.up, "connected although the CA does not match");
		}
		client_close(&c);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib_mq");
	TCase *tc = tcase_create("broker");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, persistent_session_keeps_messages_for_an_absent_client);
	tcase_add_test(tc, will_is_published_when_the_client_vanishes);
	tcase_add_test(tc, client_reconnects_and_resubscribes_after_broker_restart);
	tcase_add_test(tc, publish_while_disconnected_is_buffered);
	tcase_add_test(tc, tcp_connections_get_nodelay_other_sockets_pass_through);
	tcase_add_test(tc, every_program_with_paho_exports_connect);
	tcase_add_test(tc, tls_with_the_right_ca_only);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
