/*
 * tcp_nodelay.h - TCP_NODELAY on every TCP connection this process opens.
 *
 * WHY: an RPC through the broker is a few small MQTT packets each way.
 * With Nagle's algorithm on, a small packet waits until the previous one is
 * acknowledged, and the peer delays that acknowledgement by up to 40 ms:
 * a request and its answer took about 90 ms on loopback whatever the work.
 * Mosquitto's `set_tcp_nodelay true` (deploy/mosquitto/conf.d/limits.conf)
 * covers the broker's side; this file covers ours. Figures in
 * docs/benchmarks.md ("RPC round trip").
 *
 * HOW: Paho C 1.3.12 (Debian 12's libpaho-mqtt3as) never sets TCP_NODELAY
 * and has no option for it, so libamr defines connect() itself. A program
 * linked with this file exports the symbol (the linker puts it in the
 * dynamic symbol table because libpaho-mqtt3as, on the link line, refers
 * to it), the dynamic linker binds Paho's connect() calls (and the
 * program's own) to it, and it sets
 * TCP_NODELAY on the socket when the socket is TCP over IPv4 or IPv6, then
 * calls the next connect() in the lookup order, found with
 * dlsym(RTLD_NEXT): the C library's, or a sanitizer's interceptor when its
 * runtime defines one (ThreadSanitizer's does and calls the C library's in
 * turn; GCC 12's AddressSanitizer, of `make test`, intercepts getsockopt()
 * but not connect()). Any other socket (unix, UDP, raw) is passed through
 * untouched, and the result and errno are those of the real connect().
 * The C library's own connections (its DNS resolver, syslog) call an
 * internal connect and are not affected.
 * mq_create() calls tcp_nodelay_init(), which is what links this file into
 * every program that uses lib/mq.c (an object of libamr.a is linked only
 * when referenced). tests/integration/test_lib_mq.c checks it on a real
 * Paho connection, and that every program using Paho exports connect().
 *
 * STOPGAP: remove this file, and its call in mq_create(), once Debian's
 * Paho sets TCP_NODELAY itself (upstream added an option in 2026,
 * paho.mqtt.c issue 530): then set that option in lib/mq.c instead.
 *
 * AMR_TCP_NODELAY=0 in the environment turns it off for the process (read
 * once, at the first call). Only benchmarks set it, to measure "before"
 * figures (tests/bench/bench_rpc.c, docs/benchmarks.md); nothing deployed
 * should.
 */
#ifndef AMR_TCP_NODELAY_H
#define AMR_TCP_NODELAY_H

#include <stdbool.h>

/* Find the real connect() and read AMR_TCP_NODELAY, once per process (any
 * thread). Returns true when TCP_NODELAY will be set. */
bool tcp_nodelay_init(void);

#endif
