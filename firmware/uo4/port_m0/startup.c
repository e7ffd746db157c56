/*
 * startup.c - reset and vector table of the Cortex-M0+ port.
 *
 * Copies .data from flash, zeroes .bss, runs main(). Unused interrupts
 * land in a handler that stops the core, so a stray interrupt shows in a
 * debugger instead of running off. The functions the vector table names
 * share the prefix isr_ (isr_reset, not reset_handler: reset_ is the
 * prefix of services/web/reset.c).
 */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

int main(void);
void isr_reset(void);
void isr_systick(void);
void isr_usart2(void);

static void halt(void)
{
	for (;;)
		;
}

void isr_reset(void)
{
	const uint32_t *src = &_sidata;

	for (uint32_t *dst = &_sdata; dst < &_edata;)
		*dst++ = *src++;
	for (uint32_t *dst = &_sbss; dst < &_ebss;)
		*dst++ = 0;
	main();
	halt();
}

/* 16 core exceptions, then the 32 interrupt lines of the STM32G0. */
__attribute__((section(".isr_vector"), used)) static void (*const vectors[16 + 32])(void) = {
	[0] = (void (*)(void)) & _estack,
	[1] = isr_reset,
	[2] = halt,  /* NMI */
	[3] = halt,  /* HardFault */
	[11] = halt, /* SVCall */
	[14] = halt, /* PendSV */
	[15] = isr_systick,
	[16 + 28] = isr_usart2,
};
