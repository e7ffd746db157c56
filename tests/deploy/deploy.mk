# make test-deploy: the deployment, end to end (tests/deploy, docs/deploy.md).
#
#   test-backup.sh  make run's system: hot backup, wipe, restore, same answers
#   test-stack.sh   the images, and the compose stack with the demo building
#                   under podman-compose: health, portal, telemetry in the
#                   archive, broker access control, backup and restore of
#                   the stack, down without leftovers
#   test-systemd.sh the systemd units under a real systemd (a container with
#                   systemd as PID 1): the steps of docs/deploy.md, units
#                   active and hardened, services answering
#
# Needs root (podman, debootstrap of the base image the first time).
.PHONY: test-deploy
test-deploy: deps all
	@tests/deploy/test-backup.sh
	@tests/deploy/test-stack.sh
	@tests/deploy/test-systemd.sh
