# amr-sim: the UO-4 firmware (firmware/uo4/*.c, the same files the MCU
# build uses) on the host port of the HAL, plus the building around it.
SIM_UO4_CORE := $(wildcard firmware/uo4/*.c)
SIM_SRCS     := $(wildcard firmware/sim/*.c)

$(eval $(call program,amr-sim,$(SIM_SRCS) $(SIM_UO4_CORE),-lm))

# libmodbus as an independent master against a real amr-sim process.
$(eval $(call integ_test,test_sim_modbus,tests/integration/test_sim_modbus.c,-lmodbus))
