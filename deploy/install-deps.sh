#!/usr/bin/env bash
# Install the Debian 12 packages the system needs, only those missing.
#
#   deploy/install-deps.sh            build, run and test packages
#   deploy/install-deps.sh --check    list what is missing, install nothing
#
# This is the one list of the project's packages; `make run` and `make test`
# call it, so a fresh machine needs nothing installed by hand. Run as root,
# or as a user with sudo.
set -euo pipefail

packages=(
	# build
	build-essential pkg-config clang-format
	clang libclang-rt-14-dev  # make fuzz and the replay of make test: libFuzzer, ASan, UBSan
	libpaho-mqtt-dev libjansson-dev liblmdb-dev libmodbus-dev
	libmicrohttpd-dev libcurl4-openssl-dev libsodium-dev libyajl-dev
	libcairo2-dev libpango1.0-dev libqrencode-dev libxlsxwriter-dev
	gcc-arm-none-eabi
	# run
	mosquitto mosquitto-clients lmdb-utils tzdata
	jq  # the demo setup (deploy/demo-*.sh) reads the services' answers with it
	# test and try by hand
	check libsubunit-dev mbpoll telnet socat python3 python3-aiosmtpd
	zbar-tools poppler-utils python3-openpyxl  # receipts' QR, PDF text, XLSX
	kannel kannel-extras  # the SMS channel's gateway, and its fake SMS centre (fakesmsc)
	faketime  # a service started at a chosen time: the hour's end of the alarm digests
	# the portal: its chart library, and the browser its tests drive
	libjs-chart.js chromium fonts-dejavu-core
	# containers and their test (make test-deploy; docs/deploy.md)
	podman podman-compose runc netavark aardvark-dns iptables debootstrap
	docker-compose curl openssl
)

# The browser tests run on Node.js (tests/e2e). A machine that has a node
# of its own keeps it; otherwise Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	printf 'missing: %s\n' "${missing[*]}"
	exit 1
fi

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
