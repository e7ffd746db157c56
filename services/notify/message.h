/*
 * message.h - the words of an alarm's message (pure but for the process's
 * time zone, tzone.h): a subject and a body in Russian or English, the
 * same for every channel (an SMS is the subject alone).
 */
#ifndef AMR_NOTIFY_MESSAGE_H
#define AMR_NOTIFY_MESSAGE_H

#include <jansson.h>

/* Alarm rec's message in lang ("ru", anything else English) as
 * {"subject","body"} (new), or NULL when out of memory. */
json_t *message_of(const json_t *rec, const char *lang);

/* The message to the contact an alarm escalates to: alarm rec went to
 * contact from after_min minutes ago and is not acknowledged. */
json_t *message_escalated(const json_t *rec, const char *from, long long after_min,
			  const char *lang);

/* One message for the alarms held over a contact's hourly limit in the
 * hour starting at hour: held the subjects (borrowed), more how many
 * beyond them. */
json_t *message_digest(const json_t *held, long long more, long long hour, const char *lang);

#endif
