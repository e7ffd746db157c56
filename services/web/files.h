/*
 * files.h - the static files of the portal (HTML, CSS, JavaScript) and the
 * charting library, checked before they are opened.
 *
 * A request path is served only when every segment is made of
 * [A-Za-z0-9._-], does not start with '.', and the file is a regular file
 * opened without following a symbolic link at the end; so "..", hidden
 * files and encoded tricks ("%2e%2e", which the HTTP layer has already
 * decoded) never leave the directory.
 */
#ifndef AMR_WEB_FILES_H
#define AMR_WEB_FILES_H

#include "err.h"

#include <stdbool.h>
#include <stdint.h>

/* True when path ("/js/app.js") may be served. */
bool files_path_ok(const char *path);

/* Content type for the file name's extension; "application/octet-stream"
 * when unknown. Static storage. */
const char *files_type(const char *path);

/* Open dir + path read-only. On AMR_OK *fd and *size are set (caller
 * closes fd). Returns AMR_OK, AMR_EINVAL (path refused) or AMR_ENOTFOUND. */
amr_err files_open(const char *dir, const char *path, int *fd, uint64_t *size);

#endif
