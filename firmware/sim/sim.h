/*
 * sim.h - the building: N UO-4 devices running the real firmware, their
 * meters, their supply, their place on the bus.
 *
 * Two clocks. Simulated time (ms since the Unix epoch) runs --speed times
 * faster than real time from the moment the simulator starts; the meters'
 * pulses, the devices' clocks (debounce, periods, uptime) and the battery
 * live on it. The serial line runs on real time, because a Modbus master's
 * timeouts are real.
 *
 * Devices are numbered by slot 1..N, the address each was installed with;
 * a device keeps its slot (and its NV file, <state>/uo4-NNN.nvm) when its
 * Modbus address changes.
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "../uo4/uo4.h"
#include "../uo4/uo4_map.h"
#include "bus.h"
#include "gen.h"
#include "hal_sim.h"

#define SIM_MAX_DEVICES	     UO4_ADDR_MAX
#define SIM_BATTERY_DAYS     10 /* autonomy of a new battery */
#define SIM_BATTERY_FULL_MV  3100
#define SIM_BATTERY_EMPTY_MV 2500

/*
 * The house meters (общедомовые приборы учёта), when asked for: one more
 * UO-4, at the address after the flats', whose inputs 1..3 count what the
 * flats' inputs 1..3 (cold water, hot water, electricity) take together
 * plus the building's own use and losses (stairwell lights, the
 * caretaker's tap, the pipes): one house pulse per SIM_HOUSE_RATIO flat
 * pulses, SIM_HOUSE_EXTRA_PERMILLE more on top. A closed valve or an open
 * contactor of a flat takes its pulses out of the house meter too, as in a
 * real building. House pulses are given one after another,
 * SIM_HOUSE_PULSE_MS closed and as long open; one may come up to a
 * simulation step before the flat pulse that completes it.
 *
 * Input SIM_HOUSE_HEAT_INPUT is the building's heat meter instead (the
 * flats have none: heat is shared out by area), a GEN_HEAT generator
 * serving all the flats (gen_serve); the flats' gas has no house meter.
 * With --profile none it has no meter either.
 */
#define SIM_HOUSE_RATIO		 10 /* flat pulses per house pulse */
#define SIM_HOUSE_EXTRA_PERMILLE 30 /* common use and losses, per mille */
#define SIM_HOUSE_PULSE_MS	 50 /* a house meter's pulse, closed then open */
#define SIM_HOUSE_HEAT_INPUT	 4  /* the house device's input (1..4) that counts heat */

struct sim;

struct sim_dev {
	struct uo4 fw;					   /* the firmware's state */
	struct hal hal;					   /* its port */
	struct gen gen[HAL_CHANNELS];			   /* the meters on its inputs */
	struct gen_edge wave[HAL_CHANNELS][GEN_MAX_EDGES]; /* edges of pulses under way */
	uint8_t wave_n[HAL_CHANNELS];			   /* edges in wave[ch] */
	uint8_t wave_i[HAL_CHANNELS];			   /* next edge of wave[ch] */
	struct sim *sim;				   /* back pointer for the tx hook */
	int slot;					   /* 1..N */
	bool plugged;					   /* on the bus */
	bool powered;					   /* firmware running */
	uint64_t boot_ms;				   /* simulated time of power-up */
	uint64_t warp_ms;				   /* device clock ahead of sim time */
	uint64_t battery_ms;				   /* autonomy left, simulated ms */
	uint64_t blocked_pulses;			   /* pulses a closed output stopped */
	/* the house meters' device only (sim_opts.house): */
	bool house;			      /* counts the building */
	uint64_t house_in[HAL_CHANNELS];      /* flat pulses fed to input c */
	uint32_t house_acc[HAL_CHANNELS];     /* sim_house_share's remainder */
	uint64_t house_pending[HAL_CHANNELS]; /* house pulses due, not yet given */
	uint64_t house_free_ms[HAL_CHANNELS]; /* when input c may start the next */
	uint64_t house_given[HAL_CHANNELS];   /* pulses given to the input */
};

struct sim_opts {
	int devices;			   /* 1..127 */
	const char *state_dir;		   /* NV files live here (must exist) */
	uint32_t baud;			   /* line speed */
	double speed;			   /* simulated time factor */
	uint64_t seed;			   /* generators' seed */
	enum gen_kind kinds[HAL_CHANNELS]; /* meter kind of inputs 1..4 */
	bool house;			   /* one more device: the house meters */
};

struct sim {
	struct sim_dev dev[SIM_MAX_DEVICES]; /* slot i+1 in dev[i] */
	int n;				     /* devices */
	struct sim_dev *house;		     /* the house meters' (the last), or NULL */
	struct bus *bus;		     /* NULL: replies go nowhere (tests) */
	double speed;			     /* simulated time factor */
	double tz_h;			     /* site's UTC offset, hours */
	uint64_t real_base_us;		     /* real time of the last speed change */
	uint64_t sim_base_ms;		     /* simulated time then */
	uint64_t now_ms;		     /* simulated time now */
	uint64_t last_rx_us;		     /* real time the master last sent */
	bool paused;			     /* generators stopped */
};

/*
 * Power up every device from its NV file (a new file is provisioned with
 * address = slot, as an installer would). s must be zeroed or fresh; bus
 * may be NULL. Returns 0, or -1 when an NV file cannot be opened (logged;
 * devices opened so far are closed).
 */
int sim_open(struct sim *s, const struct sim_opts *o, struct bus *bus, uint64_t real_now_us);

/* Flush and close every NV file. */
void sim_close(struct sim *s);

/* Run meters, batteries and firmware up to real time real_now_us. */
void sim_advance(struct sim *s, uint64_t real_now_us);

/* The master sent n bytes at real_now_us: every plugged, powered device
 * hears them. */
void sim_rx(struct sim *s, const uint8_t *buf, size_t n, uint64_t real_now_us);

/* Change the speed from now on. */
void sim_set_speed(struct sim *s, double speed, uint64_t real_now_us);

/* Find a device by current address ("5") or by slot ("@5"). Returns NULL
 * and a reason in *why when none or more than one matches. */
struct sim_dev *sim_find(struct sim *s, const char *name, const char **why);

/* Mains off or on for one device. Mains back on a device whose battery ran
 * flat powers it up (it boots from NV). */
void sim_mains(struct sim *s, struct sim_dev *d, bool on);

/* Full power cycle: mains and battery out, then back (the jumper is read). */
void sim_reboot(struct sim *s, struct sim_dev *d);

/*
 * Feed n clean pulses into input ch (0..3) at once: contact closed and
 * open for debounce+1 ms each, the device's clock carried forward over
 * them, so they are counted before this returns. Returns 0, or -1 when the
 * device is not running.
 */
int sim_pulse(struct sim *s, struct sim_dev *d, unsigned ch, uint32_t n);

/* Start a leak on input ch for hours (simulated), rate pulses/hour. */
void sim_leak(struct sim *s, struct sim_dev *d, unsigned ch, double hours, double rate);

/* Battery voltage for the autonomy left. */
uint16_t sim_battery_mv(const struct sim_dev *d);

/* The seed of the meter on input c (0..3) of the device in slot, for the
 * simulator's --seed: the live building and its history draw the same
 * apartments from it. */
uint64_t sim_meter_seed(uint64_t seed, int slot, unsigned c);

/*
 * The house meter's share of n more flat pulses on one of its mirroring
 * inputs: returns the house pulses they complete, at SIM_HOUSE_RATIO and
 * SIM_HOUSE_EXTRA_PERMILLE; *acc (start at 0) keeps the remainder, so that
 * after any sequence of calls the house has given exactly
 * floor(flat pulses * (1000 + extra) / (1000 * ratio)).
 */
uint64_t sim_house_share(uint32_t *acc, uint64_t n);

/* Whether input c (0..3) of the house meters' device mirrors the flats'
 * (else it is the heat meter). */
bool sim_house_mirrors(unsigned c);

/*
 * Start the generator of the house meters' input c at now_ms, for a
 * building of flats whose inputs have the meters kinds[0..3]: the heat
 * meter serving them all on SIM_HOUSE_HEAT_INPUT (none when the flats have
 * no meter there), no generator on the mirroring inputs. seed is --seed.
 */
void sim_house_meter(struct gen *g, unsigned c, const enum gen_kind *kinds, uint64_t seed,
		     int flats, uint64_t now_ms, double tz_h);

/* The site's UTC offset now, hours, from the TZ environment. */
double sim_tz_offset_h(void);

#endif
