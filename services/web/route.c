#include <stdbool.h>
#include <string.h>

#include "err.h"
#include "route.h"

static const char *const role_names[] = { "admin", "operator", "accountant", "tenant" };

unsigned route_role_parse(const char *name)
{
	for (unsigned i = 0; i < 4; i++)
		if (name && strcmp(name, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *route_role_name(unsigned role)
{
	for (unsigned i = 0; i < 4; i++)
		if (role == 1u << i)
			return role_names[i];
	return "";
}

static int param_char(char ch, bool text)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-' ||
	       (text && (ch == ' ' || (unsigned char)ch >= 0x80));
}

/* Match one pattern; fills m's params. Returns 1 on a match. */
static int match_path(const char *pat, const char *path, struct route_match *m)
{
	m->nparams = 0;
	while (*pat && *path) {
		if (*pat == '{') {
			const char *end = strchr(pat, '}');
			bool text = end && !strncmp(pat, "{name}", 6);
			size_t len = 0;

			if (!end || m->nparams >= ROUTE_MAX_PARAMS)
				return 0;
			while (path[len] && path[len] != '/') {
				if (!param_char(path[len], text))
					return 0;
				len++;
			}
			if (len == 0 || len >= ROUTE_MAX_PARAM)
				return 0;
			memcpy(m->params[m->nparams], path, len);
			m->params[m->nparams++][len] = '\0';
			pat = end + 1;
			path += len;
		} else if (*pat++ != *path++) {
			return 0;
		}
	}
	return *pat == '\0' && *path == '\0';
}

int route_find(const struct route *t, size_t n, const char *method, const char *path,
	       struct route_match *m)
{
	int path_seen = 0;

	for (size_t i = 0; i < n; i++) {
		if (!match_path(t[i].pattern, path, m))
			continue;
		path_seen = 1;
		if (strcmp(t[i].method, method) == 0) {
			m->route = &t[i];
			return AMR_OK;
		}
	}
	return path_seen ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}
