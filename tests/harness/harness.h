/*
 * harness.h - integration tests with real programs.
 *
 * A test starts a real Mosquitto on a free loopback port, in a temporary
 * directory of its own, then the programs under test (from $AMR_BIN_DIR),
 * and talks to them over MQTT. Everything started is killed when the test
 * process ends, pass or fail: children get PR_SET_PDEATHSIG, and
 * harness_stop() (called from teardown) also stops them and removes the
 * directory.
 *
 * Use in a Check runner (CK_FORK, the default):
 *
 *   static struct harness h;
 *   static void setup(void)    { ck_assert_int_eq(harness_start(&h), 0); }
 *   static void teardown(void) { harness_stop(&h); }
 *   ...
 *   pid_t p = harness_spawn(&h, "amr-archive", (const char *[]){ NULL });
 *   ck_assert(harness_wait_message(&h, "amr/v1/svc/archive/status",
 *                                  "\"online\":true", 10000));
 *
 * Every spawned program gets AMR_MQTT_HOST/PORT and AMR_DATA_DIR pointing
 * into the test directory, and free ports in AMR_HTTP_PORT and
 * AMR_CONSOLE_PORT; stdout and stderr go to <dir>/<name>.log, which
 * harness_stop() prints when the test failed (see harness_dump_logs()).
 *
 * The broker has `set_tcp_nodelay true`, as every configuration in
 * deploy/mosquitto/ has; AMR_TEST_BROKER_NODELAY=0 in the environment
 * writes false instead (tests/bench/bench_rpc.c's "before" figures).
 * AMR_TEST_BROKER_ADDR=A.B.C.D adds a listener on that address, same port
 * (tests/faults: a gateway in its own network namespace reaches the
 * broker on a veth address).
 */
#ifndef AMR_HARNESS_H
#define AMR_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HARNESS_MAX_PROCS 32

struct harness_proc {
	pid_t pid;     /* 0 when the slot is free */
	char name[64]; /* program name, for logs */
};

struct harness {
	char dir[256];				      /* temporary directory */
	char bin_dir[256];			      /* $AMR_BIN_DIR */
	int mqtt_port;				      /* the broker's port */
	pid_t broker;				      /* Mosquitto's pid, 0 if down */
	struct harness_proc procs[HARNESS_MAX_PROCS]; /* programs started */
	void *probe;				      /* MQTT client of the test */
	void *inbox;				      /* messages seen by the probe */
	int auth_port;				      /* listener with users, 0 if none */
	char auth_passwd[300];			      /* its mosquitto_passwd file */
	char auth_acl[300];			      /* its acl file */
};

/* Make the directory, start Mosquitto and the test's probe client.
 * Returns 0 or -1 (with a message on stderr). */
int harness_start(struct harness *h);

/* Stop every program, the broker and the probe; remove the directory. */
void harness_stop(struct harness *h);

/* Print the tail of every log in the directory on stderr. */
void harness_dump_logs(struct harness *h);

/* The size in bytes of program name's log (<dir>/<name>.log, appended to
 * by each start of it) now, 0 when it has none: a mark to count from with
 * harness_log_count(). */
long harness_log_mark(struct harness *h, const char *name);

/* How many lines of program name's log after mark hold needle (0 when it
 * has no log). A state a program only says in its log is waited for with
 * HARNESS_POLL_UNTIL() on this. */
int harness_log_count(struct harness *h, const char *name, long mark, const char *needle);

/* The TCP connections of this process to port (found through
 * /proc/self/fd and getpeername): their number in *total; returns how many
 * of them have TCP_NODELAY set, or -1 when /proc cannot be read. */
int harness_tcp_nodelay(int port, int *total);

/* A free TCP port on 127.0.0.1, kept from others for a minute (only a
 * listener with SO_REUSEADDR can bind it meanwhile). */
int harness_free_port(void);

/* Wait up to ms until something listens on 127.0.0.1:port; 0 or -1. */
int harness_wait_port(int port, int ms);

/* Start (or restart after a kill) the broker on h->mqtt_port; its data
 * (persistence) stays in the directory. Returns 0 or -1. */
int harness_broker_start(struct harness *h);

/*
 * Restart the broker with a second listener on a free loopback port (set
 * in h->auth_port and returned) that admits only the users of passwd (a
 * file of mosquitto_passwd) and grants each what acl says, as a deployed
 * broker does (deploy/secrets.sh). Each listener has its own settings
 * (per_listener_settings), so the probe stays on the open one and still
 * sees and may publish everything; the programs under test connect to the
 * other with AMR_MQTT_PORT, AMR_MQTT_USER and AMR_MQTT_PASSWORD. The probe
 * is started again (its subscriptions are gone). Returns the port or -1.
 */
int harness_broker_auth(struct harness *h, const char *passwd, const char *acl);

/* SIGKILL the broker (sig 9) or stop it cleanly (sig 15) and reap it. */
void harness_broker_kill(struct harness *h, int sig);

/* After harness_broker_kill(): harness_broker_start() on the same port,
 * with the persistence file as the broker left it (a SIGKILL loses up to
 * a second of it, autosave_interval 1), or, keep_persistence false,
 * without it (sessions, subscriptions, QoS 1 messages in flight and
 * retained messages gone, as on a broker whose disk was lost; -1 when
 * there was no file to remove). 0 or -1. */
int harness_broker_restart(struct harness *h, bool keep_persistence);

/*
 * Start program name from $AMR_BIN_DIR (or name itself when it holds a
 * slash, e.g. "/usr/sbin/mosquitto") with args (NULL-terminated, argv[0]
 * not included) and extra environment "K=V" strings (NULL-terminated, may be
 * NULL). Returns the pid, or -1.
 */
pid_t harness_spawn_env(struct harness *h, const char *name, const char *const *args,
			const char *const *env);
pid_t harness_spawn(struct harness *h, const char *name, const char *const *args);

/* Send sig to pid and reap it; returns its exit status as waitpid gives it. */
int harness_kill(struct harness *h, pid_t pid, int sig);

/* Wait up to ms for pid to exit on its own; returns the wait status or -1. */
int harness_wait_exit(struct harness *h, pid_t pid, int ms);

/* Run a shell command line with the harness's environment (AMR_MQTT_PORT
 * and friends, PATH including $AMR_BIN_DIR); its stdout is returned in a
 * malloc'd string (caller frees) and its exit status through *status. */
char *harness_run(struct harness *h, const char *cmdline, int *status);

/* The probe: subscribe to filter (QoS 1); messages collect in an inbox. */
int harness_subscribe(struct harness *h, const char *filter);

/* Publish with the probe. Returns 0 or -1. */
int harness_publish(struct harness *h, const char *topic, const char *payload, int qos,
		    bool retain);

/*
 * Wait up to ms for a message on a topic matching filter whose payload
 * contains needle (NULL: any payload); looks at messages already received
 * first. Subscribes to filter if not yet done. On success returns a malloc'd
 * copy of the payload (caller frees), else NULL. Messages are not consumed.
 */
char *harness_wait_message(struct harness *h, const char *filter, const char *needle, int ms);

/* Forget the messages received so far. */
void harness_clear_inbox(struct harness *h);

/*
 * Call service/method (e.g. "ingest/ping") with args (JSON text, NULL for
 * {}) from the probe and wait up to ms for the answer. Returns the whole
 * answer ({"id","ok",...}, malloc'd, caller frees) or NULL.
 *
 * The request goes the way of everything the probe published before it:
 * the broker forwards one client's messages in order and a service handles
 * its messages in order, so the answer means the service has handled those
 * messages, and what it published while handling them reached the probe
 * before the answer.
 */
char *harness_rpc(struct harness *h, const char *method, const char *args, int ms);

/* The sample of metric name (with its labels, if any) in service/metrics;
 * -1 when absent or when the service did not answer within 10 s. */
long long harness_metric(struct harness *h, const char *service, const char *name);

/*
 * A barrier: harness_rpc() of service/ping. Returns 0 once answered, -1 if
 * no answer came within ms. A test that claims a message to service had no
 * effect (nothing published, nothing counted) asks for the barrier after
 * the message, then looks at the inbox. A service that defers work past
 * its handler (amr-archive commits batches on a timer) needs a barrier of
 * its own: the answer to a later message that must come after that work.
 */
int harness_barrier(struct harness *h, const char *service, int ms);

/*
 * Wait up to ms until service answers the probe: harness_barrier() asked
 * again every 100 ms, as a request that reaches the broker before the
 * service's subscription is lost. Any lib/rpc endpoint answers (an
 * unknown method too), so a test's own server is waited for this way.
 * Returns 0 once answered, -1 if no answer came within ms.
 */
int harness_wait_service(struct harness *h, const char *service, int ms);

/* Wait up to ms until the broker has handled every packet the probe sent
 * so far (its subscriptions, its publications). Returns 0 or -1. */
int harness_sync(struct harness *h, int ms);

/*
 * Wake Paho's receive thread, shared by every client of the process: it
 * polls the sockets it knew when the poll began, for up to a second, so a
 * second client of the test process waits one or two such seconds to
 * connect (paho.mqtt.c issue 1430). A message for the probe ends the poll.
 * Call it every few ms while another client of the test connects.
 */
void harness_poke(struct harness *h);

/* Sleep ms milliseconds. Not to wait for something to happen: wait for
 * the message or the state that shows it did (harness_wait_message, a poll
 * with a deadline, harness_barrier). */
void harness_sleep_ms(int ms);

/* Milliseconds of a monotonic clock. */
uint64_t harness_now_ms(void);

/*
 * Look at cond (an expression: it may call an RPC, read a file, parse an
 * answer) every 20 ms until it holds or ms pass; the caller then asserts
 * what it waited for. The one polling loop of the tests: a state shown
 * only by asking for it again is waited for here, never by a fixed sleep.
 */
#define HARNESS_POLL_UNTIL(cond, ms)                               \
	do {                                                       \
		uint64_t end_ = harness_now_ms() + (uint64_t)(ms); \
		while (!(cond) && harness_now_ms() < end_)         \
			harness_sleep_ms(20);                      \
	} while (0)

/*
 * Run a loop of the test's own (not the probe's) until cond holds or ms
 * pass. tick(ctx) runs every 50 ms and must set *wake, the
 * loop_run_until() flag (harness_loop_wake(wake) does just that); any
 * callback that sets *wake makes the loop look at cond at once.
 */
void harness_loop_wake(void *wake);
#define HARNESS_LOOP_UNTIL(l, tick, ctx, wake, cond, ms)                             \
	do {                                                                         \
		uint64_t until_ = loop_now_ms() + (ms);                              \
		while (!(cond) && loop_now_ms() < until_) {                          \
			uint64_t t_ = loop_timer_add((l), 50, false, (tick), (ctx)); \
			*(wake) = false;                                             \
			loop_run_until((l), (wake));                                 \
			loop_timer_cancel((l), t_);                                  \
		}                                                                    \
	} while (0)

#endif
