/*
 * simcmd.h - the simulator's control commands.
 *
 * One command per line, words separated by blanks; the answer is one line
 * starting with "ok" or "error:", except `totals`, which prints one line
 * "ADDR CH TOTAL" per input and ends with a line ".". Devices are named by
 * their current Modbus address, or by slot as "@N" (see sim.h).
 *
 *   help                        the list of commands
 *   status [DEV]                the building, or one device, on one line
 *   totals                      the device counters (the ground truth)
 *   mains off|on DEV|all        12 V supply lost / back
 *   unplug DEV / plug DEV       take a device off the bus / put it back
 *   zero DEV CH                 zero the counter of input CH (1..4)
 *   pulse DEV CH N              feed N pulses into input CH now
 *   pause / resume              stop / start the meters' generators
 *   leak DEV CH HOURS [RATE]    a leak on input CH (RATE pulses/h, default 3)
 *   jumper DEV on|off           fit / remove the factory-reset jumper
 *   reboot DEV                  full power cycle (battery out too)
 *   battery DEV new             fit a new battery
 *   speed X                     simulated-time factor from now on
 */
#ifndef SIM_SIMCMD_H
#define SIM_SIMCMD_H

#include <stddef.h>

#include "sim.h"

struct simcmd_out {
	char *buf;  /* answer text, borrowed from the caller */
	size_t cap; /* its size */
	size_t len; /* bytes written so far (always NUL-terminated) */
};

/*
 * Run one command line (without its newline) against s at real time
 * real_now_us and append the answer, newline-terminated, to out. Returns 0
 * when the command succeeded, -1 when the answer is an error (and nothing
 * changed).
 */
int simcmd_exec(struct sim *s, const char *line, uint64_t real_now_us, struct simcmd_out *out);

#endif
