#include "journal.h"

#include "crc16.h"

#define CFG_MAGIC 0x3Cu
#define REC_MAGIC 0xC4u

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Sequence numbers compare as serial numbers, so the ring survives the
 * (theoretical) wrap of seq. */
static bool newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static bool blank(const uint8_t *p, uint32_t n)
{
	bool zeros = true, ones = true;

	for (uint32_t i = 0; i < n; i++) {
		zeros = zeros && p[i] == 0x00;
		ones = ones && p[i] == 0xFF;
	}
	return zeros || ones;
}

/* Valid when the magic and the CRC over all but the last two bytes match. */
static bool valid(const uint8_t *p, uint32_t n, uint8_t magic)
{
	return p[0] == magic && crc16(p, n - 2) == get16(p + n - 2);
}

/* Write then read back n bytes at off. Returns 0 or -1. */
static int write_verify(struct hal *h, uint32_t off, const uint8_t *buf, uint32_t n)
{
	uint8_t back[JOURNAL_REC_SIZE];

	if (hal_nvm_write(h, off, buf, n) != 0 || hal_nvm_read(h, off, back, n) != 0)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (back[i] != buf[i])
			return -1;
	return 0;
}

static int mount_cfg(struct journal *j, struct hal *h, struct journal_cfg *cfg)
{
	uint8_t b[JOURNAL_CFG_SIZE];
	bool found = false, dirty = false;

	j->cfg_seq = 0;
	j->cfg_slot = 1; /* so that the first write goes to slot 0 */
	for (uint8_t s = 0; s < 2; s++) {
		if (hal_nvm_read(h, s * JOURNAL_CFG_SIZE, b, sizeof b) != 0)
			return JOURNAL_EIO;
		if (!valid(b, sizeof b, CFG_MAGIC)) {
			dirty = dirty || !blank(b, sizeof b);
			continue;
		}
		if (found && !newer(get32(b + 2), j->cfg_seq))
			continue;
		found = true;
		j->cfg_seq = get32(b + 2);
		j->cfg_slot = s;
		cfg->addr = b[1];
		cfg->debounce_ms = get16(b + 6);
		cfg->blocks = b[8];
	}
	if (found)
		return JOURNAL_OK;
	return dirty ? JOURNAL_ECORRUPT : JOURNAL_EBLANK;
}

static int mount_counts(struct journal *j, struct hal *h, struct journal_counts *cnt)
{
	uint8_t b[JOURNAL_REC_SIZE];
	bool found = false, dirty = false;

	j->rec_seq = 0;
	j->rec_slot = (uint16_t)(j->rec_slots - 1); /* first write goes to slot 0 */
	for (uint16_t s = 0; s < j->rec_slots; s++) {
		if (hal_nvm_read(h, JOURNAL_REC_OFFSET + (uint32_t)s * JOURNAL_REC_SIZE, b,
				 sizeof b) != 0)
			return JOURNAL_EIO;
		if (!valid(b, sizeof b, REC_MAGIC)) {
			dirty = dirty || !blank(b, sizeof b);
			continue;
		}
		if (found && !newer(get32(b + 2), j->rec_seq))
			continue;
		found = true;
		j->rec_seq = get32(b + 2);
		j->rec_slot = s;
		cnt->flags = b[1];
		for (int i = 0; i < HAL_CHANNELS; i++)
			cnt->total[i] = get32(b + 6 + 4 * i);
	}
	if (found)
		return JOURNAL_OK;
	return dirty ? JOURNAL_ECORRUPT : JOURNAL_EBLANK;
}

int journal_mount(struct journal *j, struct hal *h, struct journal_cfg *cfg,
		  struct journal_counts *cnt)
{
	uint32_t size = hal_nvm_size(h);
	int a, b;

	if (size < JOURNAL_REC_OFFSET + 2u * JOURNAL_REC_SIZE)
		return JOURNAL_ESIZE;
	j->rec_slots = (uint16_t)((size - JOURNAL_REC_OFFSET) / JOURNAL_REC_SIZE);
	a = mount_cfg(j, h, cfg);
	b = mount_counts(j, h, cnt);
	return a > b ? a : b; /* the enum is ordered from good to bad */
}

int journal_cfg_write(struct journal *j, struct hal *h, const struct journal_cfg *cfg)
{
	uint8_t b[JOURNAL_CFG_SIZE] = { 0 };
	uint8_t slot = (uint8_t)(j->cfg_slot ^ 1u);
	uint32_t seq = j->cfg_seq + 1;

	b[0] = CFG_MAGIC;
	b[1] = cfg->addr;
	put32(b + 2, seq);
	put16(b + 6, cfg->debounce_ms);
	b[8] = cfg->blocks;
	put16(b + 14, crc16(b, sizeof b - 2));
	if (write_verify(h, slot * JOURNAL_CFG_SIZE, b, sizeof b) != 0)
		return JOURNAL_EIO;
	j->cfg_slot = slot;
	j->cfg_seq = seq;
	return JOURNAL_OK;
}

int journal_counts_write(struct journal *j, struct hal *h, const struct journal_counts *cnt)
{
	uint8_t b[JOURNAL_REC_SIZE];
	uint32_t seq = j->rec_seq + 1;
	uint16_t slot = j->rec_slot;

	b[0] = REC_MAGIC;
	b[1] = cnt->flags;
	put32(b + 2, seq);
	for (int i = 0; i < HAL_CHANNELS; i++)
		put32(b + 6 + 4 * i, cnt->total[i]);
	put16(b + 22, crc16(b, sizeof b - 2));
	/* A worn-out cell fails its verify: skip to the next slot once. The
	 * failed slot holds no valid record newer than ours, so mount still
	 * finds the right one. */
	for (int attempt = 0; attempt < 2; attempt++) {
		slot = (uint16_t)((slot + 1u) % j->rec_slots);
		if (write_verify(h, JOURNAL_REC_OFFSET + (uint32_t)slot * JOURNAL_REC_SIZE, b,
				 sizeof b) == 0) {
			j->rec_slot = slot;
			j->rec_seq = seq;
			return JOURNAL_OK;
		}
	}
	return JOURNAL_EIO;
}
