/*
 * feed.h - what amr-web hears from the broker: subscriptions that keep the
 * view (view.h) current and push each change to the live stream (sse.h),
 * and the seed of the view from the archive (registry and latest values)
 * at start, on every reconnect and whenever the archive comes back.
 *
 * Topics: amr/v1/gw/+/status, amr/v1/readings/+, amr/v1/events/+,
 * amr/v1/svc/+/status, amr/v1/audit (registry changes made elsewhere),
 * amr/v1/alarms/+ (amr-notify's open alarms, retained) and
 * $SYS/broker/{version,uptime,clients/connected}.
 *
 * Stream events: "object" (a gateway status), "reading" (a batch),
 * "event", "service", "channel" (a registry change), "alarm" (notify's
 * alarm raised, counted again, acknowledged or cleared: view_on_alarm's
 * {"obj","alarms":[..],"object"}), "reload" (the seed
 * arrived: reload the snapshot).
 *
 * Loop thread only.
 */
#ifndef AMR_WEB_FEED_H
#define AMR_WEB_FEED_H

#include "err.h"
#include "web.h"

/* Subscribe and arrange the seed. Returns AMR_OK or AMR_ENOMEM/AMR_EMQ. */
amr_err feed_start(struct web *w);

/* Cancel the seed's retry timer. */
void feed_stop(struct web *w);

#endif
