#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "files.h"

bool files_path_ok(const char *path)
{
	size_t seg = 0;

	if (!path || path[0] != '/' || strlen(path) > 200)
		return false;
	for (const char *p = path + 1;; p++) {
		char ch = *p;

		if (ch == '/' || ch == '\0') {
			if (seg == 0)
				return false; /* "//" or a trailing "/" */
			if (ch == '\0')
				return true;
			seg = 0;
			continue;
		}
		if (seg == 0 && ch == '.')
			return false; /* ".", "..", hidden files */
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
		seg++;
	}
}

const char *files_type(const char *path)
{
	static const char *const map[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(dot, map[i][0]) == 0)
			return map[i][1];
	return "application/octet-stream";
}

amr_err files_open(const char *dir, const char *path, int *fd, uint64_t *size)
{
	char full[4096];
	struct stat st;
	int f, n;

	if (!files_path_ok(path))
		return AMR_EINVAL;
	n = snprintf(full, sizeof full, "%s%s", dir, path);
	if (n < 0 || (size_t)n >= sizeof full)
		return AMR_EINVAL;
	f = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return AMR_ENOTFOUND;
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(f);
		return AMR_ENOTFOUND;
	}
	*fd = f;
	*size = (uint64_t)st.st_size;
	return AMR_OK;
}
