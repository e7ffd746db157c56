/*
 * lib/mq and lib/rpc against a real Mosquitto: persistent sessions keep
 * QoS 1 messages for an absent client, the last will is published, the
 * client reconnects by itself after the broker restarts, concurrent RPC
 * calls are matched by id, a silent service becomes a clear timeout, and
 * TCP connections (Paho's to the broker among them) get TCP_NODELAY from
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

struct client {
	loop *l;	 /* its loop, run by the test thread */
	mq *m;		 /* its connection */
	rpc *r;		 /* its RPC endpoint, when made */
	bool up;	 /* connected */
	bool wake;	 /* loop_run_until flag */
	int got;	 /* messages received */
	char first[256]; /* first payload */
	char last[256];	 /* last payload */
};

static void on_up(void *ctx)
{
	struct client *c = ctx;

	c->up = true;
	c->wake = true;
}

static void on_msg(void *ctx, const struct mq_msg *msg)
{
	struct client *c = ctx;

	if (c->got++ == 0)
		snprintf(c->first, sizeof c->first, "%s", msg->payload);
	snprintf(c->last, sizeof c->last, "%s", msg->payload);
	c->wake = true;
}

/* Every 50 ms of RUN_UNTIL: also wake Paho's receive thread, which a
 * client connecting next to the probe otherwise waits for (harness_poke). */
static void wake_up(void *arg)
{
	((struct client *)arg)->wake = true;
	harness_poke(&h);
}

/* Run c's loop until cond holds or ms pass. */
#define RUN_UNTIL(c, cond, ms) HARNESS_LOOP_UNTIL((c)->l, wake_up, (c), &(c)->wake, cond, ms)

/* Connect; sub, when given, is subscribed before the loop first runs, so
 * messages queued for a persistent session find their handler. */
static void client_open(struct client *c, const char *id, bool clean, const char *will,
			const char *sub)
{
	struct mq_opts o = { 0 };

	memset(c, 0, sizeof *c);
	o.host = "127.0.0.1";
	o.port = h.mqtt_port;
	o.client_id = id;
	o.clean_session = clean;
	o.will_topic = will ? "t/will" : NULL;
	o.will_payload = will;
	o.will_retain = true;
	o.keepalive = 2;
	o.on_connect = on_up;
	o.ctx = c;
	ck_assert_int_eq(loop_create(&c->l), AMR_OK);
	ck_assert_int_eq(mq_create(&c->m, c->l, &o), AMR_OK);
	if (sub)
		ck_assert_int_eq(mq_subscribe(c->m, sub, 1, on_msg, c), AMR_OK);
	RUN_UNTIL(c, c->up, 10000);
	ck_assert_msg(c->up, "client %s did not connect", id);
}

/* Wait until the broker has c's subscription to topic: a message c
 * publishes there comes back. It goes at QoS 0, so no later session of c
 * gets it again; then it is forgotten. */
static void client_sync(struct client *c, const char *topic)
{
	ck_assert_int_eq(mq_publish(c->m, topic, "{\"sync\":1}", 10, 0, false), AMR_OK);
	RUN_UNTIL(c, c->got > 0, 5000);
	ck_assert_msg(c->got > 0, "no subscription to %s", topic);
	c->got = 0;
	c->first[0] = c->last[0] = '\0';
}

static void client_close(struct client *c)
{
	rpc_destroy(c->r);
	mq_destroy(c->m);
	loop_destroy(c->l);
}

START_TEST(persistent_session_keeps_messages_for_an_absent_client)
{
	struct client c;
	char payload[32];

	client_open(&c, "persist-1", false, NULL, "t/q");
	client_sync(&c, "t/q");
	client_close(&c);

	for (int i = 1; i <= 20; i++) {
		snprintf(payload, sizeof payload, "{\"n\":%d}", i);
		ck_assert_int_eq(harness_publish(&h, "t/q", payload, 1, false), 0);
	}
	/* the broker has them (for the absent client) before it comes back */
	ck_assert_int_eq(harness_sync(&h, 5000), 0);

	/* Same client id, clean session off: the broker kept all 20. */
	client_open(&c, "persist-1", false, NULL, "t/q");
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

	client_open(&c, "reconnect-1", false, NULL, "t/r");
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
	client_open(&rx, "buffer-rx", false, NULL, "t/b");
	client_sync(&rx, "t/b");
	client_close(&rx);
	client_open(&c, "buffer-tx", false, NULL, NULL);
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
	client_open(&rx, "buffer-rx", false, NULL, "t/b");
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
	client_open(&c, "nodelay-1", true, NULL, NULL);
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
		o = (struct mq_opts){ .host = "127.0.0.1",
				      .port = port,
				      .cafile = ca,
				      .client_id = good ? "tls-good" : "tls-bad",
				      .clean_session = true,
				      .on_connect = on_tls_up,
				      .ctx = &c };
		ck_assert_int_eq(loop_create(&c.l), AMR_OK);
		ck_assert_int_eq(mq_create(&c.m, c.l, &o), AMR_OK);
		ck_assert_int_eq(mq_subscribe(c.m, "t/tls", 1, on_msg, &c), AMR_OK);
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

/* ---- rpc ---- */

/* The server runs its loop on a thread of its own, as a service would in
 * its own process; the test thread plays the caller. */
struct server {
	rpc_req *held[64]; /* requests answered later */
	long long n[64];   /* the n each carried */
	int nheld;	   /* written on the server thread */
	pthread_t thread;  /* runs the server's loop */
};

static int held_count(struct server *s)
{
	return __atomic_load_n(&s->nheld, __ATOMIC_SEQ_CST);
}

/* On the server thread: answer every held request, newest first, each
 * with the n it carried. */
static void answer_held(void *arg)
{
	struct server *s = arg;

	for (int i = s->nheld - 1; i >= 0; i--)
		rpc_reply_ok(s->held[i], json_pack("{s:I}", "echo", (json_int_t)s->n[i]));
	__atomic_store_n(&s->nheld, 0, __ATOMIC_SEQ_CST);
}

static void *server_thread(void *arg)
{
	loop_run(arg);
	return NULL;
}

static void m_echo(void *ctx, rpc_req *req, json_t *args)
{
	struct server *s = ctx;

	/* Keep the request; the test answers later, out of order. */
	s->n[s->nheld] = json_integer_value(json_object_get(args, "n"));
	s->held[s->nheld] = req;
	__atomic_add_fetch(&s->nheld, 1, __ATOMIC_SEQ_CST);
}

static void m_never(void *ctx, rpc_req *req, json_t *args)
{
	struct server *s = ctx;

	s->n[s->nheld] = -1;
	s->held[s->nheld] = req; /* answered only at the end */
	__atomic_add_fetch(&s->nheld, 1, __ATOMIC_SEQ_CST);
	(void)args;
}

static void m_fail(void *ctx, rpc_req *req, json_t *args)
{
	(void)ctx;
	(void)args;
	rpc_reply_err(req, "not_found", "no channel %s", "9.9.9");
}

/* An error quoting a value cut at a byte count, inside a character. */
static void m_cut(void *ctx, rpc_req *req, json_t *args)
{
	(void)ctx;
	(void)args;
	rpc_reply_err(req, "bad_request", "label: \"%.5s\" is not a label", "ааа");
}

struct calls {
	int answered; /* callbacks run */
	int matched;  /* answers whose echo is the caller's own n */
};

struct call {
	struct calls *all; /* shared tally */
	int n;		   /* what this call sent */
};

static void on_answer(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	struct call *c = ctx;

	c->all->answered++;
	if (!err && json_integer_value(json_object_get(result, "echo")) == c->n)
		c->all->matched++;
	(void)code;
	(void)message;
}

START_TEST(concurrent_calls_are_matched_by_id)
{
	static const struct rpc_method methods[] = {
		{ "echo", m_echo, "echo n" },
		{ "never", m_never, "never answers" },
		{ "fail", m_fail, "always fails" },
	};
	struct client srv, cli;
	struct server s = { .nheld = 0 };
	struct calls calls = { 0 };
	struct call each[40];
	json_t *result = NULL;
	char *code = NULL, *message = NULL;
	int rc;

	client_open(&srv, "rpc-server", false, NULL, NULL);
	ck_assert_int_eq(rpc_create(&srv.r, srv.m, srv.l), AMR_OK);
	ck_assert_int_eq(rpc_serve(srv.r, "t", methods, 3, &s), AMR_OK);
	ck_assert_int_eq(pthread_create(&s.thread, NULL, server_thread, srv.l), 0);
	/* The server's subscription is in force once it answers the probe. */
	{
		char *ans = NULL;

		for (int i = 0; i < 50 && !ans; i++)
			ans = harness_rpc(&h, "t/fail", NULL, 100);
		ck_assert_msg(ans != NULL, "the server never answered");
		free(ans);
	}
	/* The client's requests go after its reply subscription, on the same
	 * connection: nothing to wait for. */
	client_open(&cli, "rpc-client", true, NULL, NULL);
	ck_assert_int_eq(rpc_create(&cli.r, cli.m, cli.l), AMR_OK);

	for (int i = 0; i < 40; i++) {
		each[i] = (struct call){ &calls, 1000 + i };
		ck_assert_int_eq(rpc_call(cli.r, "t/echo", json_pack("{s:i}", "n", 1000 + i), 10000,
					  on_answer, &each[i]),
				 AMR_OK);
	}
	/* The server takes all 40, then answers newest first. */
	RUN_UNTIL(&cli, held_count(&s) == 40, 10000);
	ck_assert_int_eq(held_count(&s), 40);
	loop_post(srv.l, answer_held, &s, NULL);
	RUN_UNTIL(&cli, calls.answered == 40, 10000);
	ck_assert_int_eq(calls.answered, 40);
	ck_assert_int_eq(calls.matched, 40);

	/* An error answer keeps its code and message. */
	rc = rpc_call_wait(cli.r, "t/fail", NULL, 5000, &result, &code, &message);
	ck_assert_int_eq(rc, AMR_ENOTFOUND);
	ck_assert_str_eq(code, "not_found");
	ck_assert_str_eq(message, "no channel 9.9.9");
	free(code);
	free(message);

	/* An unknown method is answered, not ignored. */
	rc = rpc_call_wait(cli.r, "t/nope", NULL, 5000, &result, &code, &message);
	ck_assert_int_eq(rc, AMR_ENOTFOUND);
	ck_assert_str_eq(code, "unknown_method");
	free(code);
	free(message);

	/* A method that never answers times out with the service's name. */
	rc = rpc_call_wait(cli.r, "t/never", NULL, 700, &result, &code, &message);
	ck_assert_int_eq(rc, AMR_ETIMEDOUT);
	ck_assert_str_eq(code, "timeout");
	ck_assert_str_eq(message, "t is not answering");
	free(code);
	free(message);

	/* Bad method names are refused before anything is sent. */
	rc = rpc_call_wait(cli.r, "no-slash", NULL, 700, &result, &code, &message);
	ck_assert_int_eq(rc, AMR_EINVAL);
	free(code);
	free(message);

	ck_assert_int_eq(held_count(&s), 1);
	loop_post(srv.l, answer_held, &s, NULL);
	RUN_UNTIL(&cli, held_count(&s) == 0, 3000);
	loop_stop(srv.l);
	pthread_join(s.thread, NULL);
	client_close(&cli);
	client_close(&srv);
}
END_TEST

static void count_answer(void *ctx, int err, json_t *result, const char *code, const char *message)
{
	(*(int *)ctx)++;
	(void)err;
	(void)result;
	(void)code;
	(void)message;
}

/* A call whose timeout cannot be set would wait forever if its answer
 * never came: it fails at once, sends nothing and leaves nothing pending. */
START_TEST(a_call_without_a_timer_fails_at_once)
{
	static const struct rpc_method methods[] = { { "echo", m_echo, "echo n" } };
	struct client srv, cli;
	struct server s = { .nheld = 0 };
	json_t *result = NULL;
	char *code = NULL, *message = NULL;
	int answered = 0, rc;

	client_open(&srv, "rpc-server-3", false, NULL, NULL);
	ck_assert_int_eq(rpc_create(&srv.r, srv.m, srv.l), AMR_OK);
	ck_assert_int_eq(rpc_serve(srv.r, "t", methods, 1, &s), AMR_OK);
	RUN_UNTIL(&srv, false, 300);
	ck_assert_int_eq(pthread_create(&s.thread, NULL, server_thread, srv.l), 0);
	client_open(&cli, "rpc-client-3", true, NULL, NULL);
	ck_assert_int_eq(rpc_create(&cli.r, cli.m, cli.l), AMR_OK);
	RUN_UNTIL(&cli, false, 300);

	loop_timer_limit(cli.l, 0);
	rc = rpc_call(cli.r, "t/echo", json_pack("{s:i}", "n", 1), 10000, count_answer, &answered);
	ck_assert_int_eq(rc, AMR_ENOMEM);
	rc = rpc_call_wait(cli.r, "t/echo", json_pack("{s:i}", "n", 1), 10000, &result, &code,
			   &message);
	loop_timer_limit(cli.l, SIZE_MAX);
	ck_assert_int_eq(rc, AMR_ENOMEM);
	ck_assert_str_eq(code, "internal");
	ck_assert_ptr_null(result);
	free(code);
	free(message);

	/* Barrier: a call that works. Had the refused ones been sent, their
	 * requests would have reached the server first (QoS 1, in order). */
	ck_assert_int_eq(rpc_call(cli.r, "t/echo", json_pack("{s:i}", "n", 2), 10000, count_answer,
				  &answered),
			 AMR_OK);
	RUN_UNTIL(&cli, held_count(&s) >= 1, 10000);
	ck_assert_int_eq(held_count(&s), 1);
	ck_assert_int_eq(s.n[0], 2);
	loop_post(srv.l, answer_held, &s, NULL);
	RUN_UNTIL(&cli, answered == 1, 10000);
	ck_assert_int_eq(answered, 1);
	/* Nothing pending: destroying the endpoint answers no one. */
	rpc_destroy(cli.r);
	cli.r = NULL;
	ck_assert_int_eq(answered, 1);

	loop_stop(srv.l);
	pthread_join(s.thread, NULL);
	client_close(&cli);
	client_close(&srv);
}
END_TEST

/* An answer of 1.5 MB: more than the broker carries. */
static void m_big(void *ctx, rpc_req *req, json_t *args)
{
	char *s = malloc(1500000);

	(void)ctx;
	(void)args;
	memset(s, 'x', 1499999);
	s[1499999] = '\0';
	rpc_reply_ok(req, json_pack("{s:s}", "blob", s));
	free(s);
}

/* The probe has the answer with id on amr/v1/rpc/reply/p. */
static bool answered(const char *id)
{
	char needle[32], *w;

	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", needle, 0);
	if (!w)
		return false;
	free(w);
	return true;
}

START_TEST(malformed_requests_change_nothing)
{
	static const struct rpc_method methods[] = { { "fail", m_fail, "fails" },
						     { "big", m_big, "too big to send" },
						     { "cut", m_cut, "quotes a cut value" } };
	struct client srv;
	struct server s = { .nheld = 0 };
	char *w;

	client_open(&srv, "rpc-server-2", false, NULL, NULL);
	ck_assert_int_eq(rpc_create(&srv.r, srv.m, srv.l), AMR_OK);
	ck_assert_int_eq(rpc_serve(srv.r, "u", methods, 3, &s), AMR_OK);
	harness_subscribe(&h, "amr/v1/rpc/reply/#");
	harness_subscribe(&h, "amr/v1/svc/x");
	/* The server's subscription is in force once it answers. */
	for (int i = 0; i < 50; i++) {
		char req[96], id[16];

		snprintf(id, sizeof id, "r%d", i);
		snprintf(req, sizeof req, "{\"id\":\"%s\",\"reply\":\"amr/v1/rpc/reply/p\"}", id);
		harness_publish(&h, "amr/v1/rpc/u/fail", req, 1, false);
		RUN_UNTIL(&srv, answered(id), 100);
		if (answered(id))
			break;
		ck_assert_msg(i < 49, "the server never answered");
	}
	harness_publish(&h, "amr/v1/rpc/u/fail", "{not json", 1, false);
	harness_publish(&h, "amr/v1/rpc/u/fail", "{\"id\":\"x1\",\"reply\":\"amr/v1/svc/x\"}", 1,
			false);
	harness_publish(&h, "amr/v1/rpc/u/fail",
			"{\"id\":\"x2\",\"reply\":\"amr/v1/rpc/reply/p\",\"args\":[1]}", 1, false);
	harness_publish(&h, "amr/v1/rpc/u/fail",
			"{\"id\":\"x3\",\"reply\":\"amr/v1/rpc/reply/p\",\"extra\":1}", 1, false);
	RUN_UNTIL(&srv, answered("x3"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x2\"", 3000);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(strstr(w, "bad_request"));
	ck_assert_ptr_nonnull(strstr(w, "args: expected an object"));
	free(w);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x3\"", 3000);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(strstr(w, "extra: unknown field"));
	free(w);
	/* No answer can go to a topic outside amr/v1/rpc/reply/: one to x1
	 * would have come before the answer to x3 (the probe was subscribed). */
	ck_assert_ptr_null(harness_wait_message(&h, "amr/v1/svc/x", NULL, 0));
	/* An answer the broker would drop (with the server's connection) is
	 * replaced by an error, and the server goes on answering. */
	harness_publish(&h, "amr/v1/rpc/u/big", "{\"id\":\"x4\",\"reply\":\"amr/v1/rpc/reply/p\"}",
			1, false);
	RUN_UNTIL(&srv, answered("x4"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x4\"", 3000);
	ck_assert_ptr_nonnull(w);
	ck_assert_msg(strstr(w, "\"too_large\"") && strlen(w) < 1000, "%.200s", w);
	free(w);
	harness_publish(&h, "amr/v1/rpc/u/fail", "{\"id\":\"x5\",\"reply\":\"amr/v1/rpc/reply/p\"}",
			1, false);
	RUN_UNTIL(&srv, answered("x5"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x5\"", 3000);
	ck_assert_ptr_nonnull(w);
	free(w);
	/* a request with bytes that are not UTF-8 is answered, not dropped */
	harness_publish(
		&h, "amr/v1/rpc/u/fail",
		"{\"id\":\"x6\",\"reply\":\"amr/v1/rpc/reply/p\",\"args\":{\"l\":\"\xd0\"}}", 1,
		false);
	RUN_UNTIL(&srv, answered("x6"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x6\"", 3000);
	ck_assert_msg(w && strstr(w, "bad_request") && strstr(w, "not UTF-8"), "%s", w ? w : "-");
	free(w);
	/* a key given twice is answered bad_request, naming it, not dropped */
	harness_publish(&h, "amr/v1/rpc/u/fail",
			"{\"id\":\"x8\",\"reply\":\"amr/v1/rpc/reply/p\",\"args\":{},\"args\":{}}",
			1, false);
	RUN_UNTIL(&srv, answered("x8"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x8\"", 3000);
	ck_assert_msg(w && strstr(w, "bad_request") && strstr(w, "duplicate"), "%s", w ? w : "-");
	free(w);
	/* an error message cut inside a character still answers */
	harness_publish(&h, "amr/v1/rpc/u/cut", "{\"id\":\"x7\",\"reply\":\"amr/v1/rpc/reply/p\"}",
			1, false);
	RUN_UNTIL(&srv, answered("x7"), 5000);
	w = harness_wait_message(&h, "amr/v1/rpc/reply/p", "\"id\":\"x7\"", 3000);
	ck_assert_msg(w && strstr(w, "label: \\\"аа?\\\" is not a label"), "%s", w ? w : "-");
	free(w);
	client_close(&srv);
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
	tcase_add_test(tc, concurrent_calls_are_matched_by_id);
	tcase_add_test(tc, a_call_without_a_timer_fails_at_once);
	tcase_add_test(tc, malformed_requests_change_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
