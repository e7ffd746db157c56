#include "hal_m0.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

#define RCC	    0x40021000u
#define RCC_IOPENR  REG(RCC + 0x34)
#define RCC_APBENR1 REG(RCC + 0x3C)
#define RCC_APBENR2 REG(RCC + 0x40)

#define GPIOA	  0x50000000u
#define GPIOB	  0x50000400u
#define GPIOC	  0x50000800u
#define MODER(p)  REG((p) + 0x00)
#define OTYPER(p) REG((p) + 0x04)
#define PUPDR(p)  REG((p) + 0x0C)
#define IDR(p)	  REG((p) + 0x10)
#define BSRR(p)	  REG((p) + 0x18)
#define AFRL(p)	  REG((p) + 0x20)
#define AFRH(p)	  REG((p) + 0x24)

#define USART2	  0x40004400u
#define USART_CR1 REG(USART2 + 0x00)
#define USART_CR3 REG(USART2 + 0x08)
#define USART_BRR REG(USART2 + 0x0C)
#define USART_ISR REG(USART2 + 0x1C)
#define USART_ICR REG(USART2 + 0x20)
#define USART_RDR REG(USART2 + 0x24)
#define USART_TDR REG(USART2 + 0x28)

#define I2C1	    0x40005400u
#define I2C_CR1	    REG(I2C1 + 0x00)
#define I2C_CR2	    REG(I2C1 + 0x04)
#define I2C_TIMINGR REG(I2C1 + 0x10)
#define I2C_ISR	    REG(I2C1 + 0x18)
#define I2C_ICR	    REG(I2C1 + 0x1C)
#define I2C_RXDR    REG(I2C1 + 0x24)
#define I2C_TXDR    REG(I2C1 + 0x28)

#define ADC	   0x40012400u
#define ADC_ISR	   REG(ADC + 0x00)
#define ADC_CR	   REG(ADC + 0x08)
#define ADC_CHSELR REG(ADC + 0x28)
#define ADC_DR	   REG(ADC + 0x40)

#define SYST_CSR  REG(0xE000E010u)
#define SYST_RVR  REG(0xE000E014u)
#define SYST_CVR  REG(0xE000E018u)
#define NVIC_ISER REG(0xE000E100u)

#define CPU_HZ	  16000000u
#define BAUD	  9600u
#define NVM_SIZE  4096u
#define FRAM_ADDR 0x50u
#define RX_RING	  64u	  /* > one request frame at 9600 between polls */
#define I2C_SPIN  100000u /* polls before an I2C step counts as failed */

struct hal {
	volatile uint32_t ms;		 /* SysTick count */
	volatile uint8_t rx[RX_RING];	 /* received bytes */
	volatile uint32_t rx_t[RX_RING]; /* their line times */
	volatile uint8_t rx_head;	 /* written by the interrupt */
	uint8_t rx_tail;		 /* read by the main loop */
	uint8_t outputs;		 /* last mask written */
};

static struct hal port;

static uint32_t line_us(void)
{
	uint32_t ms, val;

	/* Read ms around the counter so a tick between them is seen. */
	do {
		ms = port.ms;
		val = SYST_CVR;
	} while (ms != port.ms);
	return ms * 1000u + (SYST_RVR - val) / (CPU_HZ / 1000000u);
}

void isr_systick(void);
void isr_usart2(void);

void isr_systick(void)
{
	port.ms++;
}

void isr_usart2(void)
{
	uint32_t isr = USART_ISR;

	if (isr & (1u << 5)) { /* RXNE */
		uint8_t next = (uint8_t)((port.rx_head + 1u) % RX_RING);
		uint8_t b = (uint8_t)USART_RDR;

		if (next != port.rx_tail) { /* full: drop, the CRC will tell */
			port.rx[port.rx_head] = b;
			port.rx_t[port.rx_head] = line_us();
			port.rx_head = next;
		}
	}
	if (isr & (1u << 3)) /* overrun */
		USART_ICR = 1u << 3;
}

/* Set the 2-bit mode field of pin n of port p. */
static void pin_mode(uint32_t p, unsigned n, uint32_t mode)
{
	MODER(p) = (MODER(p) & ~(3u << (2 * n))) | mode << (2 * n);
}

static void pin_pullup(uint32_t p, unsigned n)
{
	PUPDR(p) = (PUPDR(p) & ~(3u << (2 * n))) | 1u << (2 * n);
}

static void pin_af(uint32_t p, unsigned n, uint32_t af)
{
	if (n < 8)
		AFRL(p) = (AFRL(p) & ~(15u << (4 * n))) | af << (4 * n);
	else
		AFRH(p) = (AFRH(p) & ~(15u << (4 * (n - 8)))) | af << (4 * (n - 8));
	pin_mode(p, n, 2);
}

static void adc_init(void)
{
	ADC_CR = 1u << 28;			    /* voltage regulator on */
	for (volatile uint32_t i = 0; i < 400; i++) /* > 20 us */
		;
	ADC_CR |= 1u << 31; /* calibrate */
	while (ADC_CR & (1u << 31))
		;
	ADC_CR |= 1u; /* enable */
	while (!(ADC_ISR & 1u))
		;
	ADC_CHSELR = 1u << 9; /* PB1 = IN9 */
}

struct hal *hal_m0_init(void)
{
	RCC_IOPENR |= 7u;		    /* GPIOA, B, C */
	RCC_APBENR1 |= 1u << 17 | 1u << 21; /* USART2, I2C1 */
	RCC_APBENR2 |= 1u << 20;	    /* ADC */

	for (unsigned n = 4; n <= 8; n++) { /* inputs and jumper */
		pin_mode(GPIOA, n, 0);
		pin_pullup(GPIOA, n);
	}
	pin_mode(GPIOA, 0, 0); /* mains sense */
	for (unsigned n = 2; n <= 5; n++)
		pin_mode(GPIOB, n, 1);	    /* outputs */
	pin_mode(GPIOC, 6, 1);		    /* LED */
	pin_mode(GPIOB, 1, 3);		    /* battery: analog */
	pin_af(GPIOA, 1, 1);		    /* USART2_DE */
	pin_af(GPIOA, 2, 1);		    /* USART2_TX */
	pin_af(GPIOA, 3, 1);		    /* USART2_RX */
	OTYPER(GPIOB) |= 1u << 8 | 1u << 9; /* I2C: open drain */
	pin_af(GPIOB, 8, 6);
	pin_af(GPIOB, 9, 6);

	USART_BRR = (CPU_HZ + BAUD / 2) / BAUD;
	USART_CR3 = 1u << 14;				   /* DEM: hardware driver enable */
	USART_CR1 = 1u << 0 | 1u << 2 | 1u << 3 | 1u << 5; /* UE, RE, TE, RXNEIE */
	NVIC_ISER = 1u << 28;

	I2C_TIMINGR = 0x30420F13u; /* 100 kHz at 16 MHz */
	I2C_CR1 = 1u;

	adc_init();

	SYST_RVR = CPU_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u; /* core clock, interrupt, on */
	return &port;
}

void hal_m0_sleep(struct hal *h)
{
	(void)h;
	__asm volatile("wfi");
}

/* ---- the contract --------------------------------------------------- */

uint32_t hal_clock_ms(struct hal *h)
{
	return h->ms;
}

uint32_t hal_line_us(struct hal *h)
{
	(void)h;
	return line_us();
}

uint32_t hal_uart_baud(struct hal *h)
{
	(void)h;
	return BAUD;
}

bool hal_uart_recv(struct hal *h, uint8_t *byte, uint32_t *t_us)
{
	if (h->rx_tail == h->rx_head)
		return false;
	*byte = h->rx[h->rx_tail];
	*t_us = h->rx_t[h->rx_tail];
	h->rx_tail = (uint8_t)((h->rx_tail + 1u) % RX_RING);
	return true;
}

void hal_uart_send(struct hal *h, const uint8_t *buf, size_t n)
{
	(void)h;
	for (size_t i = 0; i < n; i++) {
		while (!(USART_ISR & (1u << 7))) /* TXE */
			;
		USART_TDR = buf[i];
	}
	while (!(USART_ISR & (1u << 6))) /* TC: line released after */
		;
	USART_ICR = 1u << 6;
}

uint32_t hal_nvm_size(struct hal *h)
{
	(void)h;
	return NVM_SIZE;
}

/* Wait for any of the ISR bits in mask; -1 on NACK or timeout. */
static int i2c_wait(uint32_t mask)
{
	for (uint32_t i = 0; i < I2C_SPIN; i++) {
		uint32_t isr = I2C_ISR;

		if (isr & (1u << 4)) { /* NACK: the part is busy or absent */
			I2C_ICR = 1u << 4 | 1u << 5;
			return -1;
		}
		if (isr & mask)
			return 0;
	}
	return -1;
}

/* START, device address, 2 address bytes, then n more bytes to write; with
 * autoend the transfer ends after them. */
static int i2c_begin(uint32_t off, uint32_t n, bool autoend)
{
	I2C_CR2 = FRAM_ADDR << 1 | (2u + n) << 16 | (autoend ? 1u << 25 : 0) | 1u << 13;
	if (i2c_wait(1u << 1) != 0)
		return -1;
	I2C_TXDR = (off >> 8) & 0xFFu;
	if (i2c_wait(1u << 1) != 0)
		return -1;
	I2C_TXDR = off & 0xFFu;
	return 0;
}

int hal_nvm_read(struct hal *h, uint32_t off, void *buf, uint32_t n)
{
	uint8_t *p = buf;

	(void)h;
	if (off > NVM_SIZE || n > NVM_SIZE - off || n == 0 || n > 255)
		return -1;
	if (i2c_begin(off, 0, false) != 0 || i2c_wait(1u << 6) != 0) /* TC */
		return -1;
	I2C_CR2 = FRAM_ADDR << 1 | 1u << 10 | n << 16 | 1u << 25 | 1u << 13;
	for (uint32_t i = 0; i < n; i++) {
		if (i2c_wait(1u << 2) != 0) /* RXNE */
			return -1;
		p[i] = (uint8_t)I2C_RXDR;
	}
	if (i2c_wait(1u << 5) != 0) /* STOPF */
		return -1;
	I2C_ICR = 1u << 5;
	return 0;
}

int hal_nvm_write(struct hal *h, uint32_t off, const void *buf, uint32_t n)
{
	const uint8_t *p = buf;

	(void)h;
	if (off > NVM_SIZE || n > NVM_SIZE - off || n == 0 || n > 253)
		return -1;
	if (i2c_begin(off, n, true) != 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (i2c_wait(1u << 1) != 0) /* TXIS */
			return -1;
		I2C_TXDR = p[i];
	}
	if (i2c_wait(1u << 5) != 0)
		return -1;
	I2C_ICR = 1u << 5;
	return 0;
}

uint8_t hal_inputs_read(struct hal *h)
{
	(void)h;
	return (uint8_t)(~IDR(GPIOA) >> 4) & 0x0Fu; /* closed contact = low */
}

void hal_outputs_write(struct hal *h, uint8_t mask)
{
	h->outputs = mask & 0x0Fu;
	BSRR(GPIOB) = (uint32_t)h->outputs << 2 | (uint32_t)(~h->outputs & 0x0Fu) << (16 + 2);
}

bool hal_reset_jumper(struct hal *h)
{
	(void)h;
	return !(IDR(GPIOA) & (1u << 8));
}

void hal_led_set(struct hal *h, bool on)
{
	(void)h;
	BSRR(GPIOC) = on ? 1u << 6 : 1u << (16 + 6);
}

bool hal_power_mains(struct hal *h)
{
	(void)h;
	return IDR(GPIOA) & 1u;
}

uint16_t hal_power_battery_mv(struct hal *h)
{
	(void)h;
	ADC_CR |= 1u << 2;	       /* ADSTART */
	while (!(ADC_ISR & (1u << 2))) /* EOC */
		;
	return (uint16_t)(ADC_DR * 3300u * 2u / 4095u); /* 1:2 divider, 3.3 V ref */
}
