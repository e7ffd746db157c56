/*
 * commands.h - commands to gateways: the request check, the record and its
 * state machine. Pure: no broker, no store, no clock (times are passed in).
 *
 *   queued --send--> sent --result ok--> done
 *     |               |  --result not ok--> failed
 *     +----expire-----+--> expired --late result--> done / failed
 *
 * A command is queued while its gateway is offline and sent when it comes
 * online; it expires at created + ttl if no result came. A result that
 * arrives after expiry still records what the gateway did (a block that
 * happened must not stay "expired").
 */
#ifndef AMR_INGEST_COMMANDS_H
#define AMR_INGEST_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "jv.h"
#include "proto.h"

#define CMD_ID_MAX     32		      /* longest id, bytes */
#define CMD_LINE_MAX   PROTO_CONSOLE_LINE_MAX /* longest console line */
#define CMD_ACTOR_MAX  64		      /* longest actor */
#define CMD_REASON_MAX 200		      /* longest reason */
#define CMD_TEXT_MAX   4096		      /* longest stored output or error; longer is cut */

enum cmd_kind {
	CMD_BLOCK,
	CMD_UNBLOCK,
	CMD_ZERO,
	CMD_CONSOLE,
};

enum cmd_state {
	CMD_QUEUED,
	CMD_SENT,
	CMD_DONE,
	CMD_FAILED,
	CMD_EXPIRED,
};

struct cmd {
	char id[CMD_ID_MAX + 1];	 /* "c<number>", given by the store */
	unsigned obj;			 /* gateway object number 1..PROTO_OBJ_MAX */
	enum cmd_kind kind;		 /* what to do */
	int addr;			 /* UO-4 address 1..PROTO_ADDR_MAX; 0 for console */
	int out;			 /* output 1..4 (block/unblock), else 0 */
	int ch;				 /* input 1..4 (zero), else 0 */
	char line[CMD_LINE_MAX + 1];	 /* console line, "" otherwise */
	char actor[CMD_ACTOR_MAX + 1];	 /* who asked */
	char reason[CMD_REASON_MAX + 1]; /* why ("" allowed for console) */
	enum cmd_state state;		 /* where it is */
	int64_t created;		 /* Unix s of the request */
	int64_t expires;		 /* Unix s after which it is not run */
	int64_t sent;			 /* Unix s it was published, 0 if not */
	int64_t finished;		 /* Unix s it reached done/failed/expired, 0 if not */
	bool ok;			 /* result: the gateway succeeded */
	char text[CMD_TEXT_MAX + 1];	 /* result: output (ok) or error (not ok) */
};

/*
 * Check the args of RPC ingest/command (borrowed) and fill *c as a new
 * queued command created at now (id left empty). Fields: obj, cmd, actor
 * required; reason required except for console; block/unblock take addr
 * and out, zero takes addr and ch, console takes line (printable ASCII);
 * ttl 1..max_ttl seconds (default default_ttl); "wait" is allowed and left
 * to the caller. Any other field, or a field the cmd does not use, is
 * refused. Returns AMR_OK or AMR_EINVAL (err names the field; *c is then
 * unspecified).
 */
amr_err cmd_request_parse(const json_t *args, int64_t now, long long default_ttl, long long max_ttl,
			  struct cmd *c, struct jv_err *err);

/*
 * Check a gateway result {"id","ok",("output"|"error")} (borrowed); unknown
 * fields are ignored. *id and *text are borrowed from res (*text "" when
 * absent). Returns AMR_OK or AMR_EINVAL.
 */
amr_err cmd_result_parse(const json_t *res, const char **id, bool *ok, const char **text,
			 struct jv_err *err);

/* queued -> sent at now. Returns AMR_OK or AMR_ESTATE (c unchanged). */
amr_err cmd_mark_sent(struct cmd *c, int64_t now);

/*
 * Record the gateway's result: queued, sent or expired -> done (ok) or
 * failed. text is copied (cut at CMD_TEXT_MAX on a UTF-8 boundary).
 * Returns AMR_OK, or AMR_EEXIST when already done/failed (c unchanged).
 */
amr_err cmd_finish(struct cmd *c, bool ok, const char *text, int64_t now);

/* queued or sent -> expired when now >= expires. Returns AMR_OK or
 * AMR_ESTATE (c unchanged). */
amr_err cmd_expire(struct cmd *c, int64_t now);

/* True for done, failed and expired. */
bool cmd_terminal(enum cmd_state s);

/* "queued", "sent", "done", "failed", "expired". */
const char *cmd_state_name(enum cmd_state s);

/* "block", "unblock", "zero", "console". */
const char *cmd_kind_name(enum cmd_kind k);

/* The whole record, for the store and ingest/command.get. New reference
 * or NULL (out of memory). */
json_t *cmd_to_json(const struct cmd *c);

/* Read a record written by cmd_to_json() (borrowed). Returns AMR_OK or
 * AMR_EINVAL. */
amr_err cmd_from_json(const json_t *j, struct cmd *c);

/* The message for amr/v1/gw/{obj}/cmd. New reference or NULL. */
json_t *cmd_gateway_json(const struct cmd *c);

/* The RPC answer {"id","state"} plus "result" once finished. New reference
 * or NULL. */
json_t *cmd_answer_json(const struct cmd *c);

/* The amr/v1/audit record of the command in its current state at ts. New
 * reference or NULL. */
json_t *cmd_audit_json(const struct cmd *c, int64_t ts);

/* "c<n>" for the store's counter n. */
void cmd_id_format(char id[CMD_ID_MAX + 1], uint64_t n);

/* The counter of an id made by cmd_id_format(). Returns AMR_OK or
 * AMR_EINVAL (not one of ours). */
amr_err cmd_id_parse(const char *id, uint64_t *n);

#endif
