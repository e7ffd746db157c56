/* Sessions and CSRF (auth.c), sign-in rate limits (ratelimit.c), users
 * with argon2id in a real LMDB environment in /tmp (users.c). */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "err.h"
#include "ratelimit.h"
#include "route.h"
#include "test_web.h"
#include "users.h"

START_TEST(session_lifecycle)
{
	struct auth_session s, got;
	auth *a;

	ck_assert_int_eq(auth_create(&a, 4, 100, 1000), AMR_OK);
	ck_assert_int_eq(auth_login(a, "alice", ROLE_OPERATOR, 1000, &s), AMR_OK);
	ck_assert_uint_eq(strlen(s.sid), 64);
	ck_assert_uint_eq(strlen(s.csrf), 64);
	ck_assert_str_ne(s.sid, s.csrf);
	ck_assert_int_eq(auth_lookup(a, s.sid, 1050, &got), AMR_OK);
	ck_assert_str_eq(got.user, "alice");
	ck_assert_uint_eq(got.role, ROLE_OPERATOR);
	/* idle timeout counts from the last use */
	ck_assert_int_eq(auth_lookup(a, s.sid, 1149, &got), AMR_OK);
	ck_assert_int_eq(auth_lookup(a, s.sid, 1250, &got), AMR_ENOTFOUND);
	/* absolute lifetime */
	ck_assert_int_eq(auth_login(a, "bob", ROLE_ADMIN, 2000, &s), AMR_OK);
	for (int t = 2090; t < 3000; t += 90)
		ck_assert_int_eq(auth_lookup(a, s.sid, t, &got), AMR_OK);
	ck_assert_int_eq(auth_lookup(a, s.sid, 3010, &got), AMR_ENOTFOUND);
	/* sign-out and dropping a user's sessions */
	ck_assert_int_eq(auth_login(a, "carol", ROLE_ADMIN, 4000, &s), AMR_OK);
	auth_logout(a, s.sid);
	ck_assert_int_eq(auth_lookup(a, s.sid, 4001, &got), AMR_ENOTFOUND);
	auth_login(a, "dave", ROLE_ADMIN, 4000, &s);
	auth_login(a, "dave", ROLE_ADMIN, 4000, &got);
	ck_assert_uint_eq(auth_drop_user(a, "dave"), 2);
	ck_assert_int_eq(auth_lookup(a, s.sid, 4001, &got), AMR_ENOTFOUND);
	/* malformed ids are refused before any comparison */
	ck_assert_int_eq(auth_lookup(a, "abc", 4001, &got), AMR_ENOTFOUND);
	ck_assert_int_eq(auth_lookup(a, NULL, 4001, &got), AMR_ENOTFOUND);
	auth_destroy(a);
}
END_TEST

START_TEST(session_table_full_evicts_oldest)
{
	struct auth_session s[3], got;
	auth *a;

	ck_assert_int_eq(auth_create(&a, 2, 100, 1000), AMR_OK);
	auth_login(a, "u1", ROLE_ADMIN, 10, &s[0]);
	auth_login(a, "u2", ROLE_ADMIN, 20, &s[1]);
	auth_login(a, "u3", ROLE_ADMIN, 30, &s[2]);
	ck_assert_int_eq(auth_lookup(a, s[0].sid, 31, &got), AMR_ENOTFOUND);
	ck_assert_int_eq(auth_lookup(a, s[1].sid, 31, &got), AMR_OK);
	ck_assert_int_eq(auth_lookup(a, s[2].sid, 31, &got), AMR_OK);
	ck_assert_uint_eq(auth_count(a), 2);
	auth_destroy(a);
}
END_TEST

START_TEST(csrf_and_cookie)
{
	struct auth_session s;
	char sid[AUTH_HEX], wrong[65], cookie[300], hdr[256];
	auth *a;

	ck_assert_int_eq(auth_create(&a, 4, 100, 1000), AMR_OK);
	auth_login(a, "alice", ROLE_ADMIN, 1, &s);
	ck_assert(auth_csrf_ok(&s, s.csrf));
	memcpy(wrong, s.csrf, sizeof wrong);
	wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
	ck_assert(!auth_csrf_ok(&s, wrong));
	ck_assert(!auth_csrf_ok(&s, NULL));
	ck_assert(!auth_csrf_ok(&s, ""));
	ck_assert(!auth_csrf_ok(&s, s.sid)); /* the session id is not the token */
	snprintf(cookie, sizeof cookie, "lang=ru; amr_sid=%s; other=1", s.sid);
	ck_assert_int_eq(auth_cookie_sid(cookie, sid), AMR_OK);
	ck_assert_str_eq(sid, s.sid);
	ck_assert_int_eq(auth_cookie_sid("amr_sid=xyz", sid), AMR_ENOTFOUND);
	ck_assert_int_eq(auth_cookie_sid("x_amr_sid=1", sid), AMR_ENOTFOUND);
	ck_assert_int_eq(auth_cookie_sid(NULL, sid), AMR_ENOTFOUND);
	auth_cookie_value(s.sid, true, 3600, hdr, sizeof hdr);
	ck_assert(strstr(hdr, "HttpOnly") && strstr(hdr, "SameSite=Strict") &&
		  strstr(hdr, "; Secure"));
	auth_cookie_value("", false, 3600, hdr, sizeof hdr);
	ck_assert(strstr(hdr, "Max-Age=0") && !strstr(hdr, "Secure"));
	auth_destroy(a);
}
END_TEST

START_TEST(rate_limit_window)
{
	rl *r;

	ck_assert_int_eq(rl_create(&r, 3, 3, 60), AMR_OK);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(rl_check(r, "u:alice", 100 + i), 0);
		rl_fail(r, "u:alice", 100 + i);
	}
	ck_assert_uint_eq(rl_check(r, "u:alice", 110), 50);
	ck_assert_uint_eq(rl_check(r, "u:bob", 110), 0);   /* others unaffected */
	ck_assert_uint_eq(rl_check(r, "u:alice", 160), 0); /* the window ended */
	rl_fail(r, "u:alice", 160);
	ck_assert_uint_eq(rl_check(r, "u:alice", 161), 0); /* a new window */
	rl_reset(r, "u:alice");
	/* a full table forgets the oldest key, never refuses to count */
	rl_fail(r, "k1", 1);
	rl_fail(r, "k2", 2);
	rl_fail(r, "k3", 3);
	rl_fail(r, "k4", 4);
	ck_assert_int_eq(rl_create(&(rl *){ NULL }, 0, 1, 1), AMR_EINVAL);
	rl_destroy(r);
}
END_TEST

static char dir[64];

static int rm(const char *p, const struct stat *st, int f, struct FTW *ftw)
{
	return remove(p);
}

static void users_setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_web_users.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void users_teardown(void)
{
	nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS);
}

START_TEST(users_store_and_verify)
{
	users *u;
	unsigned role = 0;
	size_t n;
	json_t *list, *rec;

	ck_assert_int_eq(users_open(&u, dir), AMR_OK);
	ck_assert_int_eq(users_count(u, &n), AMR_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(users_create(u, "op1", ROLE_OPERATOR, "correct horse", 100), AMR_OK);
	ck_assert_int_eq(users_create(u, "op1", ROLE_ADMIN, "another pass", 100), AMR_EEXIST);
	ck_assert_int_eq(users_verify(u, "op1", "correct horse", &role), AMR_OK);
	ck_assert_uint_eq(role, ROLE_OPERATOR);
	ck_assert_int_eq(users_verify(u, "op1", "wrong horse!", &role), AMR_ENOTFOUND);
	ck_assert_int_eq(users_verify(u, "nobody", "correct horse", &role), AMR_ENOTFOUND);
	/* the stored hash is argon2id and never leaves the store */
	list = users_list(u);
	ck_assert_uint_eq(json_array_size(list), 1);
	rec = json_array_get(list, 0);
	ck_assert_ptr_null(json_object_get(rec, "hash"));
	ck_assert_str_eq(json_string_value(json_object_get(rec, "role")), "operator");
	json_decref(list);
	/* disabled users cannot sign in */
	ck_assert_int_eq(users_update(u, "op1", 0, 1, 200), AMR_OK);
	ck_assert_int_eq(users_verify(u, "op1", "correct horse", &role), AMR_ENOTFOUND);
	ck_assert_int_eq(users_update(u, "op1", ROLE_ACCOUNTANT, 0, 300), AMR_OK);
	ck_assert_int_eq(users_set_password(u, "op1", "new password 1", 300), AMR_OK);
	ck_assert_int_eq(users_verify(u, "op1", "correct horse", &role), AMR_ENOTFOUND);
	ck_assert_int_eq(users_verify(u, "op1", "new password 1", &role), AMR_OK);
	ck_assert_uint_eq(role, ROLE_ACCOUNTANT);
	ck_assert_int_eq(users_set_password(u, "ghost", "new password 1", 300), AMR_ENOTFOUND);
	users_close(u);
	/* it is all on disk */
	ck_assert_int_eq(users_open(&u, dir), AMR_OK);
	ck_assert_int_eq(users_verify(u, "op1", "new password 1", &role), AMR_OK);
	users_close(u);
}
END_TEST

START_TEST(users_input_checked)
{
	static const struct {
		const char *name;
		bool ok;
	} names[] = {
		{ "admin", true },
		{ "op.1", true },
		{ "a-b_c", true },
		{ "", false },
		{ ".x", false },
		{ "Admin", false },
		{ "a b", false },
		{ "a/b", false },
		{ "ä", false },
		{ "0123456789012345678901234567890123456789012345678901234567890123456789", false },
	};
	char msg[160], pw[17];
	users *u;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_msg((users_check_name(names[i].name, msg, sizeof msg) == AMR_OK) ==
				      names[i].ok,
			      "%s", names[i].name);
	ck_assert_int_eq(users_check_password("short", msg, sizeof msg), AMR_EINVAL);
	ck_assert(strstr(msg, "password"));
	ck_assert_int_eq(users_check_password("long enough", msg, sizeof msg), AMR_OK);
	ck_assert_int_eq(users_open(&u, dir), AMR_OK);
	ck_assert_int_eq(users_create(u, "x", 0, "long enough", 1), AMR_EINVAL); /* no role */
	ck_assert_int_eq(users_create(u, "x", ROLE_ADMIN | ROLE_TENANT, "long enough", 1),
			 AMR_EINVAL);
	ck_assert_int_eq(users_create(u, "X", ROLE_ADMIN, "long enough", 1), AMR_EINVAL);
	ck_assert_int_eq(users_create(u, "x", ROLE_ADMIN, "short", 1), AMR_EINVAL);
	users_random_password(pw, sizeof pw);
	ck_assert_uint_eq(strlen(pw), 16);
	users_close(u);
}
END_TEST

Suite *web_auth_suite(void)
{
	Suite *s = suite_create("web_auth");
	TCase *tc = tcase_create("sessions");
	TCase *tu = tcase_create("users");

	tcase_add_test(tc, session_lifecycle);
	tcase_add_test(tc, session_table_full_evicts_oldest);
	tcase_add_test(tc, csrf_and_cookie);
	tcase_add_test(tc, rate_limit_window);
	tcase_add_checked_fixture(tu, users_setup, users_teardown);
	tcase_set_timeout(tu, 60);
	tcase_add_test(tu, users_store_and_verify);
	tcase_add_test(tu, users_input_checked);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tu);
	return s;
}
