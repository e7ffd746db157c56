# The whole stack: services, amrctl, the broker.
$(eval $(call integ_test,test_stack,tests/integration/test_stack.c,))
