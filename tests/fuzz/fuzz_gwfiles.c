/*
 * fuzz_gwfiles.c - libFuzzer target: the gateway's settings file read
 * back from flash, firmware/gateway/settings.c's settings_load()
 * (settings.h; docs/gateway.md; docs/reliability.md).
 *
 * The input is the file, corrupted or cut anywhere: it is read over the
 * factory settings from a memory file. Checked:
 *  - the load succeeds (bad lines are skipped, never the whole file);
 *  - every field within settings.h's ranges: objnum 1..PROTO_OBJ_MAX,
 *    port 0..65535, rs485_timeout 1..240, serv "" or an address, the
 *    poll list only of addresses GW_ADDR_MIN..GW_ADDR_MAX;
 *  - a field that no line of the file sets ("key=" at the start of a
 *    line, 639 bytes at most, no NUL) keeps its factory value: the tail
 *    of an overlong line is no line of its own, a NUL spoils its line;
 *  - what was read, saved by settings_save() and read again over other
 *    values, is the same settings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "settings.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static char dir[64], saved[96];
static struct gw_settings factory, other;

/* The saved file and its directory go with the process. */
static void cleanup(void)
{
	unlink(saved);
	rmdir(dir);
}

static void setup(void)
{
	struct gw_defaults d = { 7, 5, "1-32,40" }, o = { 65000, 240, "2,127" };

	log_init("fuzz_gwfiles", LOG_LVL_ERROR);
	snprintf(dir, sizeof dir, "/dev/shm/fuzz_gwfiles.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(saved, sizeof saved, "%s/settings", dir);
	atexit(cleanup);
	CHECK(settings_factory(&factory, &d) == AMR_OK);
	CHECK(settings_factory(&other, &o) == AMR_OK);
	other.port = 1883;
	snprintf(other.serv, sizeof other.serv, "10.0.0.1");
	memset(other.mac, 0xee, sizeof other.mac);
}

/* Some line of data[0..size) starts with key and '=' and is one that
 * settings.h reads: 639 bytes at most, no NUL. */
static bool sets(const uint8_t *data, size_t size, const char *key)
{
	size_t k = strlen(key);

	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl ? (size_t)(nl - (data + at)) : size - at;

		if (n > k && n <= 639 && !memchr(data + at, '\0', n) &&
		    !memcmp(data + at, key, k) && data[at + k] == '=')
			return true;
		at += n + 1;
	}
	return false;
}

#define SAME(field) (!memcmp(&s.field, &factory.field, sizeof s.field))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct gw_settings s, again;
	char path[64];
	uint8_t ip[4];
	int fd;

	if (!ready) {
		setup();
		ready = true;
	}
	CHECK((fd = memfd_create("settings", 0)) >= 0);
	CHECK(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	s = factory;
	CHECK(settings_load(&s, path) == AMR_OK);
	close(fd);

	CHECK(s.objnum >= 1 && s.objnum <= PROTO_OBJ_MAX);
	CHECK(s.port <= 65535);
	CHECK(s.rs485_timeout >= 1 && s.rs485_timeout <= 240);
	CHECK(memchr(s.serv, '\0', sizeof s.serv));
	CHECK(!s.serv[0] || settings_ip_parse(s.serv, ip));
	CHECK(!(s.poll[0] & 1)); /* address 0; GW_ADDR_MAX is the last bit */
	CHECK(settings_poll_count(&s) <= GW_ADDR_MAX);

	CHECK(sets(data, size, "objnum") || SAME(objnum));
	CHECK(sets(data, size, "serv") || !strcmp(s.serv, factory.serv));
	CHECK(sets(data, size, "port") || SAME(port));
	CHECK(sets(data, size, "dev") || SAME(dev));
	CHECK(sets(data, size, "net") || SAME(net));
	CHECK(sets(data, size, "gate") || SAME(gate));
	CHECK(sets(data, size, "dns1") || SAME(dns1));
	CHECK(sets(data, size, "dns2") || SAME(dns2));
	CHECK(sets(data, size, "mac") || SAME(mac));
	CHECK(sets(data, size, "rs485_timeout") || SAME(rs485_timeout));
	CHECK(sets(data, size, "poll") || SAME(poll));

	CHECK(settings_save(&s, saved) == AMR_OK);
	again = other;
	CHECK(settings_load(&again, saved) == AMR_OK);
	CHECK(again.objnum == s.objnum && !strcmp(again.serv, s.serv) && again.port == s.port);
	CHECK(!memcmp(again.dev, s.dev, 4) && !memcmp(again.net, s.net, 4));
	CHECK(!memcmp(again.gate, s.gate, 4) && !memcmp(again.dns1, s.dns1, 4));
	CHECK(!memcmp(again.dns2, s.dns2, 4) && !memcmp(again.mac, s.mac, 6));
	CHECK(again.rs485_timeout == s.rs485_timeout && !memcmp(again.poll, s.poll, 16));
	return 0;
}
