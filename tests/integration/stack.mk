# The whole stack: services, amrctl, the broker.
$(eval $(call integ_test,test_stack,tests/integration/test_stack.c,))
$(eval $(call integ_test,test_lib_mq,tests/integration/test_lib_mq.c tests/integration/mq_client.c,))
$(eval $(call integ_test,test_lib_rpc,tests/integration/test_lib_rpc.c tests/integration/mq_client.c,))
$(eval $(call integ_test,test_rpc_file,tests/integration/test_rpc_file.c,))
$(eval $(call integ_test,test_pipeline,tests/integration/test_pipeline.c tests/integration/gw_archive.c,))
# Where programs keep their files when AMR_DATA_DIR is empty or set.
$(eval $(call integ_test,test_data_dir,tests/integration/test_data_dir.c,))
# A gateway reconfigured on its console (objnum, ch addr) while it counts.
$(eval $(call integ_test,test_objnum,tests/integration/test_objnum.c \
	tests/integration/archive_util.c tests/integration/gw_archive.c,))
