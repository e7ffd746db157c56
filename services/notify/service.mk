# amr-notify: the alarm engine (docs/notify.md).
NOTIFY_SRCS := services/notify/rules.c services/notify/alarm.c services/notify/notify.c \
               services/notify/notify_rpc.c services/notify/notify_send.c services/notify/contact.c services/notify/message.c \
               services/notify/outbox.c services/notify/outbox_read.c services/notify/smtp.c services/notify/sms.c \
               services/notify/txutil.c services/notify/txhttp.c services/notify/labels.c \
               services/notify/deliver.c services/notify/webhook.c services/notify/flow.c \
               services/notify/ruleset.c services/notify/rulestore.c services/notify/notify_rules.c \
               services/notify/notify_flow.c services/notify/notify_verify.c services/notify/notify_debt.c \
               services/notify/flowstore.c services/notify/smscmd.c services/notify/smsin.c services/notify/smsread.c \
               services/notify/smsact.c services/notify/main.c
$(eval $(call program,amr-notify,$(NOTIFY_SRCS),$(MQ_LIBS) $(LMDB_LIBS) -lcurl -lmicrohttpd))

# The engine with a real Mosquitto: alarms once, by hand, after a kill.
$(eval $(call integ_test,test_notify,tests/integration/test_notify.c,))

# The flow alarms (leak, burst, stuck) alone, from tables.
$(OBJ)/tests/unit/test_notify_flow.o: CPPFLAGS += -Iservices/notify
$(eval $(call unit_test,test_notify_flow,tests/unit/test_notify_flow.c services/notify/flow.c,))

# The rules' parameters (ruleset.c): checks, scopes, resolution, units.
$(OBJ)/tests/unit/test_notify_ruleset.o: CPPFLAGS += -Iservices/notify
$(eval $(call unit_test,test_notify_ruleset,tests/unit/test_notify_ruleset.c \
	services/notify/ruleset.c services/notify/flow.c lib/jv.c lib/units.c lib/proto.c \
	lib/err.c,-ljansson))

# The SMS command parser (smscmd.c) alone, from a table.
$(OBJ)/tests/unit/test_notify_smscmd.o: CPPFLAGS += -Iservices/notify
$(eval $(call unit_test,test_notify_smscmd,tests/unit/test_notify_smscmd.c \
	services/notify/smscmd.c lib/proto.c,))

# The e-mail channel (smtp.c, libcurl) against a real SMTP server: aiosmtpd,
# deploy/mail-catcher.py.
$(OBJ)/tests/integration/test_notify_smtp.o: CPPFLAGS += -Iservices/notify
$(eval $(call integ_test,test_notify_smtp,tests/integration/test_notify_smtp.c \
	tests/integration/mail_util.c services/notify/smtp.c services/notify/txutil.c \
	services/notify/txhttp.c,-lcurl))

# Alarms reaching a contact's mailbox through amr-notify, and after a kill.
$(eval $(call integ_test,test_notify_mail,tests/integration/test_notify_mail.c \
	tests/integration/mail_util.c,))

# The SMS channel (sms.c, libcurl) through a real Kannel: bearerbox, smsbox
# and the fake SMS centre fakesmsc (Debian's kannel, kannel-extras).
$(OBJ)/tests/integration/test_notify_sms.o: CPPFLAGS += -Iservices/notify
$(eval $(call integ_test,test_notify_sms,tests/integration/test_notify_sms.c \
	tests/integration/kannel_util.c services/notify/sms.c services/notify/txutil.c \
	services/notify/txhttp.c,-lcurl))

# Who is told, how and when (deliver.c): quiet hours, the hourly limit,
# channels, webhooks signed with HMAC-SHA256 (a real HTTP receiver,
# tests/integration/hook-catcher.py), escalation.
$(eval $(call integ_test,test_notify_deliver,tests/integration/test_notify_deliver.c \
	tests/integration/mail_util.c tests/integration/hook_util.c,-lsodium))

# The rules over the readings and a real amr-archive's registry: leak,
# burst by a channel's rule over its resource's, stuck on the tick,
# verification dates, debt from a real amr-billing, a bad rule.set refused;
# the leak's e-mail to the contact of its resource (aiosmtpd).
$(eval $(call integ_test,test_notify_rules,tests/integration/test_notify_rules.c \
	tests/integration/archive_util.c tests/integration/billing_util.c \
	tests/integration/mail_util.c,))

# Incoming SMS: Kannel's sms-service hands them to amr-notify's listener
# (smsin.c), the commands (smscmd.c, smsact.c) are answered through the
# outbox and Kannel again, delivery reports read back; all real.
$(eval $(call integ_test,test_notify_smsin,tests/integration/test_notify_smsin.c \
	tests/integration/kannel_util.c tests/integration/archive_util.c \
	tests/integration/billing_util.c,-lcurl))

# The alarm path end to end from the simulator: amr-sim, amr-gateway,
# amr-ingest, amr-archive and amr-notify with a real SMTP server and a
# real Kannel; a UO-4 off the bus and a leak profile told once each.
$(eval $(call integ_test,test_notify_e2e,tests/integration/test_notify_e2e.c \
	tests/integration/mail_util.c tests/integration/kannel_util.c \
	tests/integration/archive_util.c tests/integration/gw_archive.c,-lcurl))
