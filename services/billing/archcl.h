/*
 * archcl.h - amr-billing's client of the archives: its own broker's
 * amr-archive and the other metering systems of the sources file
 * (docs/billing.md, "Metering sources").
 *
 * A meter assignment's "source" names the metering system its channel is
 * in; "" (or none) is the archive on billing's own broker. Each other
 * source is a broker of its own with its amr-archive, configured in a
 * JSON file (--sources, AMR_BILLING_SOURCES):
 *
 *   {"sources":[{"name":"north","host":"10.0.0.5","port":8883,"user":"billing",
 *                "password_file":"/run/secrets/north","cafile":"/etc/amr/north-ca.pem"}]}
 *
 * and gets its own MQTT client and RPC endpoint on the service's loop, so
 * calls to every source go out at once. Runs on the service's loop thread.
 */
#ifndef AMR_BILLING_ARCHCL_H
#define AMR_BILLING_ARCHCL_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "rpc.h"
#include "svc.h"

typedef struct archcl archcl;

#define ARCHCL_NAME_MAX 64 /* bytes of a source's name */

/*
 * The own archive of service s (borrowed: its loop, client and RPC
 * endpoint) and the sources of file (NULL: none), each connecting to its
 * broker. timeout_ms bounds every call. A file that cannot be read, a
 * source without a name or host, a name given twice, a password file that
 * cannot be read: AMR_EINVAL, logged with the file and the field, and
 * nothing is left. Returns AMR_OK, AMR_EINVAL, AMR_ENOMEM or AMR_EMQ.
 */
amr_err archcl_create(archcl **out, struct svc *s, const char *file, unsigned timeout_ms);

/* Disconnect the sources' clients and free. Accepts NULL. */
void archcl_destroy(archcl *a);

/* The index of source name ("" or NULL: 0, the own archive), or -1 when
 * no source has that name. */
int archcl_find(const archcl *a, const char *name);

/* The name of source i ("" for the own archive; borrowed). */
const char *archcl_name(const archcl *a, int i);

/* Sources, the own archive included. */
size_t archcl_count(const archcl *a);

/* Call archive/<method> (e.g. "consumption") of source i with args
 * (taken), cb exactly once on the loop thread as rpc_call() says. Returns
 * what rpc_call() returns; AMR_EINVAL for a source that is not there. */
amr_err archcl_call(archcl *a, int i, const char *method, json_t *args, rpc_cb cb, void *ctx);

#endif
