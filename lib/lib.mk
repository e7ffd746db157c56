# libamr: code shared by the services, the gateway and the tools.
LIBAMR_SRCS := lib/err.c lib/log.c lib/config.c lib/loop.c lib/mq.c lib/rpc.c lib/rpc_code.c \
               lib/kv.c lib/kvjson.c lib/jv.c lib/metrics.c lib/svc.c lib/svc_dir.c lib/proto.c \
               lib/units.c lib/weights.c lib/jflat.c lib/rpc_file.c lib/tcp_nodelay.c \
               lib/utf8.c lib/deadletter.c lib/tzone.c lib/csvfield.c lib/telemetry.c

$(LIBAMR): $(patsubst %.c,$(OBJ)/%.o,$(LIBAMR_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

all: $(LIBAMR)
