# UO-4 end-device firmware: unit tests on the host, size build for the MCU.
UO4_CORE := $(wildcard firmware/uo4/*.c)
UO4_STUB := tests/unit/test_uo4_hal_stub.c

$(eval $(call unit_test,test_uo4_counter,tests/unit/test_uo4_counter.c firmware/uo4/counter.c,))
$(eval $(call unit_test,test_uo4_modbus,tests/unit/test_uo4_modbus.c firmware/uo4/modbus.c firmware/uo4/crc16.c,))
$(eval $(call unit_test,test_uo4_journal,tests/unit/test_uo4_journal.c firmware/uo4/journal.c firmware/uo4/crc16.c $(UO4_STUB),))
$(eval $(call unit_test,test_uo4_device,tests/unit/test_uo4_device.c $(UO4_CORE) $(UO4_STUB),))

# `make firmware-size`: the same firmware sources, cross-built for a
# Cortex-M0+ (STM32G030: 64 KiB flash, 8 KiB RAM) with the port in port_m0/.
ARM_CC     ?= arm-none-eabi-gcc
ARM_SIZE   ?= arm-none-eabi-size
UO4_M0_DIR := firmware/uo4/port_m0
UO4_M0_SRC := $(UO4_CORE) $(wildcard $(UO4_M0_DIR)/*.c)
UO4_M0_ELF := $(BUILD)/m0/uo4.elf
UO4_M0_CFLAGS := -mcpu=cortex-m0plus -mthumb -Os -g -std=c11 -Wall -Wextra -Wshadow \
                 -Wstrict-prototypes -Werror -ffreestanding -ffunction-sections \
                 -fdata-sections -fno-common

$(UO4_M0_ELF): $(UO4_M0_SRC) $(wildcard firmware/uo4/*.h firmware/hal/*.h $(UO4_M0_DIR)/*) 
	@mkdir -p $(@D)
	$(ARM_CC) $(UO4_M0_CFLAGS) -nostdlib -Wl,--gc-sections -Wl,-Map=$(@D)/uo4.map \
		-T $(UO4_M0_DIR)/stm32g030.ld -o $@ $(UO4_M0_SRC) -lgcc

.PHONY: firmware-size
firmware-size: $(UO4_M0_ELF)
	@$(ARM_SIZE) $<
	@$(ARM_SIZE) -A $< | awk ' \
		$$1 == ".text" || $$1 == ".rodata" || $$1 == ".isr_vector" { flash += $$2 } \
		$$1 == ".data" { flash += $$2; ram += $$2 } \
		$$1 == ".bss" || $$1 == ".stack" { ram += $$2 } \
		END { printf "UO-4 firmware (Cortex-M0+): flash %d of 65536 bytes (%.1f%%), RAM %d of 8192 bytes (%.1f%%, stack included)\n", \
		      flash, flash * 100 / 65536, ram, ram * 100 / 8192 }'
