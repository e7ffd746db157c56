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

#endif
