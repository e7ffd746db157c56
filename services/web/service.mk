# amr-web: REST API and web portal (docs/web.md).
WEB_CORE := services/web/route.c services/web/call.c services/web/ratelimit.c \
            services/web/auth.c services/web/users.c services/web/qty.c \
            services/web/view.c services/web/view_json.c services/web/view_alarm.c services/web/sse.c \
            services/web/files.c services/web/scope.c services/web/httpin.c
WEB_SRCS := $(WEB_CORE) services/web/http.c services/web/http_stream.c services/web/feed.c services/web/api.c \
            services/web/api_auth.c services/web/api_view.c services/web/api_rpc.c services/web/api_ops.c \
            services/web/api_billing.c services/web/tscope.c \
            services/web/api_audit.c services/web/api_alarms.c services/web/api_rules.c \
            services/web/reset.c services/web/main.c
WEB_LIBS := -lmicrohttpd -lsodium $(MQ_LIBS) $(LMDB_LIBS)

$(OBJ)/tests/unit/test_web_%.o: CPPFLAGS += -Iservices/web
$(OBJ)/tests/integration/test_web%.o: CPPFLAGS += -Iservices/web

$(eval $(call program,amr-web,$(WEB_SRCS),$(WEB_LIBS)))

# Unit tests: routing, roles and OpenAPI, answers, files, sessions, CSRF,
# rate limits, users (argon2id, LMDB in /tmp), the view, quantities, SSE.
$(eval $(call unit_test,test_web_unit,tests/unit/test_web_main.c tests/unit/test_web_route.c \
	tests/unit/test_web_auth.c tests/unit/test_web_view.c tests/unit/test_web_outputs.c \
	tests/unit/test_web_fixture.c tests/unit/test_web_scope.c tests/unit/test_web_tscope.c tests/unit/test_web_stubs.c \
	services/web/api.c $(WEB_CORE) lib/kv.c lib/log.c lib/err.c lib/proto.c lib/units.c lib/weights.c lib/jv.c lib/rpc_code.c lib/utf8.c,-lsodium -ljansson $(LMDB_LIBS)))

# Integration tests: a real Mosquitto, amr-archive, amr-ingest and amr-web;
# libcurl is the HTTP client.
$(eval $(call integ_test,test_web,tests/integration/test_web.c tests/integration/test_web_roles.c tests/integration/test_web_flats.c \
	tests/integration/test_web_api.c \
	tests/integration/test_web_util.c,-lcurl))

# End to end: the portal in headless chromium (tests/e2e, playwright-core).
$(eval $(call integ_test,test_web_e2e,tests/integration/test_web_e2e.c tests/integration/test_web_util.c,-lcurl))

# Operators' commands on a simulated building (amr-sim + amr-gateway), the
# audit trail, and HTTPS with a self-signed certificate (openssl).
$(eval $(call integ_test,test_web_ops,tests/integration/test_web_ops.c tests/integration/test_web_util.c,-lcurl))
# The portal's billing route with a real amr-billing behind it.
$(eval $(call integ_test,test_web_billing,tests/integration/test_web_billing.c \
	tests/integration/test_web_util.c $(BILLRUN_TEST_SRCS),-lcurl -llmdb))
# A tenant's view of the metering derived from its accounts' premises.
$(eval $(call integ_test,test_web_tscope,tests/integration/test_web_tscope.c \
	tests/integration/test_web_util.c $(BILLRUN_TEST_SRCS),-lcurl -llmdb))
# amr-notify's alarms, contacts and delivery log through the portal, by
# role and scope.
$(eval $(call integ_test,test_web_alarms,tests/integration/test_web_alarms.c \
	tests/integration/test_web_util.c,-lcurl))
# amr-notify's alarm rules through the portal: set by an admin, read by
# operators, what applies to a channel.
$(eval $(call integ_test,test_web_rules,tests/integration/test_web_rules.c \
	tests/integration/test_web_util.c,-lcurl))
# The security negatives as one suite (docs/reliability.md, "Security
# suite"): the broker's users and ACL, and the portal's routes by role,
# scope, CSRF and sign-in limits.
$(eval $(call integ_test,test_security,tests/integration/test_security.c \
	tests/integration/test_security_web.c tests/integration/test_web_util.c,-lcurl))
