# amr-sim: the UO-4 firmware (firmware/uo4/*.c, the same files the MCU
# build uses) on the host port of the HAL, plus the building around it.
SIM_UO4_CORE := $(wildcard firmware/uo4/*.c)
SIM_SRCS     := $(wildcard firmware/sim/*.c)

$(eval $(call program,amr-sim,$(SIM_SRCS) $(SIM_UO4_CORE),-lm))

# The simulator's building around the UO-4 firmware, in one process.
$(eval $(call unit_test,test_uo4_sim,tests/unit/test_uo4_sim.c firmware/sim/gen.c \
	firmware/sim/simcmd.c firmware/sim/sim.c firmware/sim/hal_sim.c firmware/sim/bus.c \
	$(SIM_UO4_CORE) lib/log.c,-lm))

# The weather, the heat meter and the history the archive imports.
$(eval $(call unit_test,test_sim_history,tests/unit/test_sim_history.c firmware/sim/history.c \
	firmware/sim/gen.c firmware/sim/sim.c firmware/sim/hal_sim.c firmware/sim/bus.c \
	$(SIM_UO4_CORE) lib/log.c,-lm))

# libmodbus as an independent master against a real amr-sim process.
$(eval $(call integ_test,test_sim_modbus,tests/integration/test_sim_modbus.c,-lmodbus))
