/*
 * settings.h - the gateway's own settings, as its console edits them.
 *
 * The console changes a struct gw_settings in memory; nothing reaches the
 * flash until "save all" calls settings_save(), which writes the file
 * atomically (temporary file, fsync, rename, fsync of the directory), so a
 * power cut leaves either the old file or the new one. On start the file,
 * when present, overrides the factory values.
 *
 * Factory values are the seed's table 1 for the network part, and the
 * program's options for the object number, broker, poll list and RS-485
 * timeout (settings_factory()).
 */
#ifndef GW_SETTINGS_H
#define GW_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../uo4/uo4_map.h"

#define GW_ADDR_MIN 1
#define GW_ADDR_MAX UO4_ADDR_MAX
#define GW_CHANNELS UO4_INPUTS

struct gw_settings {
	unsigned objnum;	/* object number 1..PROTO_OBJ_MAX */
	char serv[16];		/* broker address A.B.C.D; "" = the mqtt-host option */
	unsigned port;		/* broker TCP port; 0 = the mqtt-port option */
	uint8_t dev[4];		/* own IP address */
	uint8_t net[4];		/* subnet mask */
	uint8_t gate[4];	/* default gateway */
	uint8_t dns1[4];	/* preferred DNS server */
	uint8_t dns2[4];	/* alternative DNS server */
	uint8_t mac[6];		/* own MAC address */
	unsigned rs485_timeout; /* s without an answer before "not responding", 1..240 */
	uint8_t poll[16];	/* bitmap of polled addresses 1..127 */
};

/* Values the program's options give (the installer's defaults). */
struct gw_defaults {
	unsigned objnum;	/* --obj */
	unsigned rs485_timeout; /* --rs485-timeout */
	const char *poll;	/* --poll, e.g. "1-32,40" */
};

/* Fill s with the factory settings: seed table 1 plus d. Returns AMR_OK, or
 * AMR_EINVAL if d->poll does not parse (s then has an empty poll list). */
int settings_factory(struct gw_settings *s, const struct gw_defaults *d);

/* Poll list membership. */
bool settings_polled(const struct gw_settings *s, unsigned addr);
void settings_poll_set(struct gw_settings *s, unsigned addr, bool on);
unsigned settings_poll_count(const struct gw_settings *s);

/* Parse a list like "1-32,40" into the poll bitmap (replacing it); "" is
 * the empty list. Returns AMR_OK or AMR_EINVAL (s unchanged). */
int settings_poll_parse(struct gw_settings *s, const char *text);

/* Write the poll list as "1-32,40" into buf (always NUL-terminated). */
void settings_poll_format(const struct gw_settings *s, char *buf, size_t len);

/* Parse "A.B.C.D" (each 0..255, 1..3 digits, nothing else). True if valid. */
bool settings_ip_parse(const char *text, uint8_t ip[4]);

/* Format an address as "A.B.C.D"; buf needs 16 bytes. Returns buf. */
char *settings_ip_format(const uint8_t ip[4], char *buf);

/*
 * Read the file at path over s (which holds the factory values). Unknown
 * keys, bad values, lines over 639 bytes and lines holding a NUL byte (a
 * corrupted file) are logged and skipped whole. Returns AMR_OK,
 * AMR_ENOTFOUND when there is no file (s unchanged) or AMR_EIO.
 */
int settings_load(struct gw_settings *s, const char *path);

/* Write s to path atomically. Returns AMR_OK or AMR_EIO (old file kept). */
int settings_save(const struct gw_settings *s, const char *path);

#endif
