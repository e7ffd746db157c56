#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "settings.h"

/* Seed table 1: factory network settings of the first unit of a batch. */
static const uint8_t factory_dev[4] = { 192, 168, 10, 186 };
static const uint8_t factory_net[4] = { 255, 255, 255, 0 };
static const uint8_t factory_gate[4] = { 192, 168, 10, 1 };
static const uint8_t factory_dns1[4] = { 192, 168, 10, 1 };
static const uint8_t factory_dns2[4] = { 8, 8, 8, 8 };
static const uint8_t factory_mac[6] = { 0x00, 0x04, 0xA3, 0x01, 0x03, 0x83 };

int settings_factory(struct gw_settings *s, const struct gw_defaults *d)
{
	memset(s, 0, sizeof *s);
	s->objnum = d->objnum;
	s->rs485_timeout = d->rs485_timeout;
	memcpy(s->dev, factory_dev, 4);
	memcpy(s->net, factory_net, 4);
	memcpy(s->gate, factory_gate, 4);
	memcpy(s->dns1, factory_dns1, 4);
	memcpy(s->dns2, factory_dns2, 4);
	memcpy(s->mac, factory_mac, 6);
	return settings_poll_parse(s, d->poll ? d->poll : "");
}

bool settings_polled(const struct gw_settings *s, unsigned addr)
{
	if (addr < GW_ADDR_MIN || addr > GW_ADDR_MAX)
		return false;
	return (s->poll[addr / 8] >> (addr % 8)) & 1;
}

void settings_poll_set(struct gw_settings *s, unsigned addr, bool on)
{
	if (addr < GW_ADDR_MIN || addr > GW_ADDR_MAX)
		return;
	if (on)
		s->poll[addr / 8] |= (uint8_t)(1u << (addr % 8));
	else
		s->poll[addr / 8] &= (uint8_t) ~(1u << (addr % 8));
}

unsigned settings_poll_count(const struct gw_settings *s)
{
	unsigned n = 0;

	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++)
		n += settings_polled(s, a);
	return n;
}

/* Read 1..3 decimal digits as an address 1..127; advances *p. */
static bool parse_addr(const char **p, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0, n = 0;

	while (*s >= '0' && *s <= '9' && n < 4) {
		v = v * 10 + (unsigned)(*s++ - '0');
		n++;
	}
	if (n == 0 || n > 3 || v < GW_ADDR_MIN || v > GW_ADDR_MAX)
		return false;
	*p = s;
	*out = v;
	return true;
}

int settings_poll_parse(struct gw_settings *s, const char *text)
{
	uint8_t bits[16] = { 0 };
	const char *p = text;

	while (*p) {
		unsigned lo, hi;

		if (!parse_addr(&p, &lo))
			return AMR_EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (!parse_addr(&p, &hi) || hi < lo)
				return AMR_EINVAL;
		}
		for (unsigned a = lo; a <= hi; a++)
			bits[a / 8] |= (uint8_t)(1u << (a % 8));
		if (*p == ',')
			p++;
		else if (*p)
			return AMR_EINVAL;
	}
	memcpy(s->poll, bits, sizeof bits);
	return AMR_OK;
}

void settings_poll_format(const struct gw_settings *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned a = GW_ADDR_MIN; a <= GW_ADDR_MAX; a++) {
		unsigned b = a;
		int n;

		if (!settings_polled(s, a))
			continue;
		while (b < GW_ADDR_MAX && settings_polled(s, b + 1))
			b++;
		if (b > a)
			n = snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", a, b);
		else
			n = snprintf(buf + used, len - used, "%s%u", used ? "," : "", a);
		if (n < 0 || (size_t)n >= len - used)
			return; /* truncated; 2 bytes per address always fit in 512 */
		used += (size_t)n;
		a = b;
	}
}

bool settings_ip_parse(const char *text, uint8_t ip[4])
{
	uint8_t v[4];
	const char *p = text;

	for (int i = 0; i < 4; i++) {
		unsigned n = 0, digits = 0;

		while (*p >= '0' && *p <= '9' && digits < 4) {
			n = n * 10 + (unsigned)(*p++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || n > 255)
			return false;
		v[i] = (uint8_t)n;
		if (i < 3 && *p++ != '.')
			return false;
	}
	if (*p)
		return false;
	memcpy(ip, v, 4);
	return true;
}

char *settings_ip_format(const uint8_t ip[4], char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
	return buf;
}

static bool parse_mac(const char *text, uint8_t mac[6])
{
	uint8_t v[6];

	if (strlen(text) != 12)
		return false;
	for (int i = 0; i < 12; i++) {
		char c = text[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (i % 2 == 0)
			v[i / 2] = (uint8_t)(d << 4);
		else
			v[i / 2] |= (uint8_t)d;
	}
	memcpy(mac, v, 6);
	return true;
}

static bool parse_uint(const char *text, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Apply one key=value line to s; false if the key or value is bad. */
static bool apply(struct gw_settings *s, const char *key, const char *val)
{
	if (strcmp(key, "objnum") == 0)
		return parse_uint(val, 1, PROTO_OBJ_MAX, &s->objnum);
	if (strcmp(key, "serv") == 0) {
		uint8_t ip[4];

		if (*val && !settings_ip_parse(val, ip))
			return false;
		snprintf(s->serv, sizeof s->serv, "%s", val);
		return true;
	}
	if (strcmp(key, "port") == 0)
		return parse_uint(val, 0, 65535, &s->port);
	if (strcmp(key, "dev") == 0)
		return settings_ip_parse(val, s->dev);
	if (strcmp(key, "net") == 0)
		return settings_ip_parse(val, s->net);
	if (strcmp(key, "gate") == 0)
		return settings_ip_parse(val, s->gate);
	if (strcmp(key, "dns1") == 0)
		return settings_ip_parse(val, s->dns1);
	if (strcmp(key, "dns2") == 0)
		return settings_ip_parse(val, s->dns2);
	if (strcmp(key, "mac") == 0)
		return parse_mac(val, s->mac);
	if (strcmp(key, "rs485_timeout") == 0)
		return parse_uint(val, 1, 240, &s->rs485_timeout);
	if (strcmp(key, "poll") == 0)
		return settings_poll_parse(s, val) == AMR_OK;
	return false;
}

#define LINE_MAX_BYTES 639 /* the longest line settings_save() can write, and then some */

int settings_load(struct gw_settings *s, const char *path)
{
	struct gw_settings tmp = *s;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "r");
	int lineno = 0;

	if (!f) {
		if (errno == ENOENT)
			return AMR_ENOTFOUND;
		log_error("settings: cannot read %s: %s", path, strerror(errno));
		return AMR_EIO;
	}
	/* getline, not fgets: a line too long for a buffer is one bad line,
	 * not a tail read as a line of its own; a NUL in it is seen */
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *eq;

		lineno++;
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > LINE_MAX_BYTES || memchr(line, '\0', (size_t)n)) {
			log_warn("settings: %s:%d: %s, skipped", path, lineno,
				 n > LINE_MAX_BYTES ? "line too long" : "a NUL byte in the line");
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			log_warn("settings: %s:%d: no '=' in \"%s\", skipped", path, lineno, line);
			continue;
		}
		*eq = '\0';
		if (!apply(&tmp, line, eq + 1))
			log_warn("settings: %s:%d: bad %s=\"%s\", skipped", path, lineno, line,
				 eq + 1);
	}
	free(line);
	if (ferror(f)) {
		log_error("settings: error reading %s", path);
		fclose(f);
		return AMR_EIO;
	}
	fclose(f);
	*s = tmp;
	return AMR_OK;
}

/* fsync the directory holding path, so a rename in it is durable. */
static int sync_dir(const char *path)
{
	char dir[512];
	const char *slash = strrchr(path, '/');
	int fd, rc = 0;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path ? slash - path : 1), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

int settings_save(const struct gw_settings *s, const char *path)
{
	char tmp[512], a[16], b[16], c[16], d[16], e[16], poll[512];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return AMR_EIO;
	f = fopen(tmp, "w");
	if (!f) {
		log_error("settings: cannot write %s: %s", tmp, strerror(errno));
		return AMR_EIO;
	}
	settings_poll_format(s, poll, sizeof poll);
	fprintf(f,
		"# amr-gateway settings, written by \"save all\"\n"
		"objnum=%u\nserv=%s\nport=%u\ndev=%s\nnet=%s\ngate=%s\ndns1=%s\n"
		"dns2=%s\nmac=%02X%02X%02X%02X%02X%02X\nrs485_timeout=%u\npoll=%s\n",
		s->objnum, s->serv, s->port, settings_ip_format(s->dev, a),
		settings_ip_format(s->net, b), settings_ip_format(s->gate, c),
		settings_ip_format(s->dns1, d), settings_ip_format(s->dns2, e), s->mac[0],
		s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5], s->rs485_timeout, poll);
	fd = fileno(f);
	if (fflush(f) != 0 || fsync(fd) != 0) {
		log_error("settings: cannot write %s: %s", tmp, strerror(errno));
		fclose(f);
		goto out_unlink;
	}
	if (fclose(f) != 0) {
		log_error("settings: cannot close %s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp, path) != 0) {
		log_error("settings: cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out_unlink;
	}
	if (sync_dir(path) != 0) {
		log_error("settings: cannot sync the directory of %s: %s", path, strerror(errno));
		return AMR_EIO;
	}
	return AMR_OK;

out_unlink:
	unlink(tmp);
	return AMR_EIO;
}
