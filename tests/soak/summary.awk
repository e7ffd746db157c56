# The soak's summary (tests/soak/soak.sh): one line per process of
# samples.tsv, and its verdict.
#
# Warm-up is the first warm_pct % of the run (awk -v warm_pct=N, default
# 50): the first sample at or after that share of the last sample's time is
# the reference. Under ASan and libfaketime a daemon's heap grows for its
# first simulated hours and levels off (ASan's quarantine and caches
# filling, the stack depot learning each new call chain that reads the
# clock file; docs/reliability.md, "Soak"); a leak goes on growing through
# the second half. The sample at 10 % is shown too. A process is "flat" when its
# anonymous resident memory (RssAnon: heap and stacks, what a leak grows)
# at the end is within +10 % or +2 MB (whichever is larger) of the
# reference, and its open files at the end at most 2 more than there
# (room for a connection of the sampler itself at the broker, or
# libfaketime reading its clock file at the moment of the sample). VmRSS
# is shown beside it: it also counts the pages of the LMDB files each
# process maps, which grow with the data it holds, by design.
BEGIN { FS = "\t"; if (warm_pct == "") warm_pct = 50 }
NR == 1 { next }
{
	n = $3
	if (!(n in seen)) {
		seen[n] = 1
		order[++procs] = n
	}
	t = $1 + 0
	if (t > tmax) tmax = t
	row_t[n, ++cnt[n]] = t
	row_rss[n, cnt[n]] = $5 + 0
	row_anon[n, cnt[n]] = $6 + 0
	row_hwm[n, cnt[n]] = $7 + 0
	row_fds[n, cnt[n]] = $8 + 0
}
function mb(kb) { return sprintf("%.1f", kb / 1024) }
END {
	printf "%-18s %24s %29s %9s %11s  %s\n", "process", "RSS MB warm/end/max",
	       "anon MB 10%/warm/end/max", "HWM MB", "fds w/end", "verdict"
	growth = 0
	for (i = 1; i <= procs; i++) {
		n = order[i]
		w = 0; w10 = 0
		for (j = 1; j <= cnt[n]; j++)
			if (row_t[n, j] >= tmax * warm_pct / 100) { w = j; break }
		for (j = 1; j <= cnt[n]; j++)
			if (row_t[n, j] >= tmax * 0.1) { w10 = j; break }
		if (!w) w = cnt[n]
		if (!w10) w10 = cnt[n]
		e = cnt[n]
		rmax = 0; amax = 0
		for (j = 1; j <= cnt[n]; j++) {
			if (row_rss[n, j] > rmax) rmax = row_rss[n, j]
			if (row_anon[n, j] > amax) amax = row_anon[n, j]
		}
		aw = row_anon[n, w]; ae = row_anon[n, e]
		bound = aw * 0.10 > 2048 ? aw * 0.10 : 2048
		v = "flat"
		if (ae > aw + bound) v = "GROWTH (memory)"
		if (row_fds[n, e] > row_fds[n, w] + 2) v = (v == "flat" ? "" : v ", ") "GROWTH (files)"
		if (v != "flat") growth++
		printf "%-18s %24s %29s %9s %11s  %s\n", n,
		       mb(row_rss[n, w]) "/" mb(row_rss[n, e]) "/" mb(rmax),
		       mb(row_anon[n, w10]) "/" mb(aw) "/" mb(ae) "/" mb(amax), mb(row_hwm[n, e]),
		       row_fds[n, w] "/" row_fds[n, e], v
	}
	printf "VERDICT %s: %d processes, %d flat (anon RSS within +10 %% or +2 MB of %d %% into the run, fds at most +2)\n",
	       growth ? "growth" : "flat", procs, procs - growth, warm_pct
	exit growth > 0
}
