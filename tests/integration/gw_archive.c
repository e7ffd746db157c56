#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <MQTTAsync.h>
#include <jansson.h>

#include "gw_archive.h"
#include "harness.h"

static MQTTAsync client;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct gw_archive_sums sums;
static char up_topic[64], ack_topic[64];
static unsigned char seen[100000]; /* seqs stored */

static void store(const char *text, size_t len)
{
	json_t *b = json_loadb(text, len, 0, NULL), *r;
	uint64_t seq, prev;
	size_t i;

	if (!b)
		return;
	seq = (uint64_t)json_integer_value(json_object_get(b, "seq"));
	prev = (uint64_t)json_integer_value(json_object_get(b, "prev"));
	pthread_mutex_lock(&lock);
	if (seq > sums.mark && prev > sums.mark) {
		/* Its predecessor never arrived (the broker lost it): not
		 * stored, not acknowledged; the gateway sends it again. */
		sums.gaps++;
		pthread_mutex_unlock(&lock);
		json_decref(b);
		return;
	}
	if (seq <= sums.mark) {
		sums.dups++;
		if (seq < sizeof seen && !seen[seq]) {
			sums.reordered++;
			fprintf(stderr, "archive: seq %llu arrived after %llu, ignored\n",
				(unsigned long long)seq, (unsigned long long)sums.mark);
		}
	} else {
		if (seq < sizeof seen)
			seen[seq] = 1;
		json_array_foreach(json_object_get(b, "readings"), i, r) {
			long long a = json_integer_value(json_object_get(r, "addr"));
			long long c = json_integer_value(json_object_get(r, "ch"));
			long long d = json_integer_value(json_object_get(r, "delta"));
			long long t = json_integer_value(json_object_get(r, "total"));

			if (a < 1 || a >= GWA_ADDRS || c < 1 || c > 4)
				continue;
			if (d < 0)
				sums.negative++;
			if (sums.first[a][c - 1] < 0)
				sums.first[a][c - 1] = t - d;
			sums.sum[a][c - 1] += d;
			sums.last[a][c - 1] = t;
		}
		sums.mark = seq;
		sums.stored++;
	}
	seq = sums.mark;
	pthread_mutex_unlock(&lock);
	json_decref(b);
	{
		char ack[48];
		MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
		int n = snprintf(ack, sizeof ack, "{\"seq\":%llu}", (unsigned long long)seq);

		MQTTAsync_send(client, ack_topic, n, ack, 1, 1, &ro);
	}
}

static int on_msg(void *ctx, char *topic, int tlen, MQTTAsync_message *m)
{
	(void)ctx;
	(void)tlen;
	if (strcmp(topic, up_topic) == 0)
		store(m->payload, (size_t)m->payloadlen);
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

static volatile int subscribed; /* the first SUBACK came */

static void on_suback(void *ctx, MQTTAsync_successData *d)
{
	(void)ctx;
	(void)d;
	__atomic_store_n(&subscribed, 1, __ATOMIC_SEQ_CST);
}

static void on_connected(void *ctx, char *cause)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;

	(void)ctx;
	(void)cause;
	/* Again after every reconnect: a broker killed with SIGKILL may have
	 * lost the session. */
	ro.onSuccess = on_suback;
	MQTTAsync_subscribe(client, up_topic, 1, &ro);
}

int gw_archive_start(struct harness *h, unsigned obj, bool keep)
{
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	static unsigned starts;
	char url[64], id[32];

	if (!keep) {
		memset(&sums, 0, sizeof sums);
		memset(seen, 0, sizeof seen);
		for (int a = 0; a < GWA_ADDRS; a++)
			for (int c = 0; c < 4; c++)
				sums.first[a][c] = -1;
	}
	snprintf(up_topic, sizeof up_topic, "amr/v1/gw/%u/up", obj);
	snprintf(ack_topic, sizeof ack_topic, "amr/v1/gw/%u/ack", obj);
	snprintf(url, sizeof url, "tcp://127.0.0.1:%d", h->mqtt_port);
	/* A restarted archive comes with a new session: what was published
	 * while it was away is not queued for it. */
	snprintf(id, sizeof id, "test-archive-%u", ++starts);
	if (MQTTAsync_create(&client, url, id, MQTTCLIENT_PERSISTENCE_NONE, NULL) !=
	    MQTTASYNC_SUCCESS)
		return -1;
	MQTTAsync_setCallbacks(client, NULL, NULL, on_msg, NULL);
	MQTTAsync_setConnected(client, NULL, on_connected);
	co.cleansession = 0;
	co.automaticReconnect = 1;
	co.minRetryInterval = 1;
	co.maxRetryInterval = 2;
	co.keepAliveInterval = 5;
	__atomic_store_n(&subscribed, 0, __ATOMIC_SEQ_CST);
	if (MQTTAsync_connect(client, &co) != MQTTASYNC_SUCCESS)
		return -1;
	/* Paho's receive thread, busy with the probe's socket, needs a poke
	 * to look at this one (harness_poke). */
	for (int i = 0; i < 1000 && !__atomic_load_n(&subscribed, __ATOMIC_SEQ_CST); i++) {
		harness_poke(h);
		usleep(10000);
	}
	return __atomic_load_n(&subscribed, __ATOMIC_SEQ_CST) ? 0 : -1;
}

void gw_archive_get(struct gw_archive_sums *out)
{
	pthread_mutex_lock(&lock);
	*out = sums;
	pthread_mutex_unlock(&lock);
}

void gw_archive_stop(void)
{
	MQTTAsync_disconnectOptions dop = MQTTAsync_disconnectOptions_initializer;

	if (!client)
		return;
	dop.timeout = 1000;
	MQTTAsync_disconnect(client, &dop);
	for (int i = 0; i < 200 && MQTTAsync_isConnected(client); i++)
		usleep(10000);
	MQTTAsync_destroy(&client);
	client = NULL;
}

int gw_batches_stored(struct harness *h, long mark)
{
	return harness_log_count(h, "amr-gateway", mark, "gw: batch seq=");
}

int gw_sim_ctl(const char *sock, const char *cmd, bool multi, char *buf, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t used = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), rc = -1;

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto out;
	if (write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) != 1)
		goto out;
	buf[0] = '\0';
	while (used + 1 < len) {
		ssize_t n = read(fd, buf + used, len - used - 1);

		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		if (!multi && strchr(buf, '\n'))
			break;
		if (multi && (strstr(buf, "\n.\n") || strncmp(buf, ".\n", 2) == 0))
			break;
	}
	rc = used ? 0 : -1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
