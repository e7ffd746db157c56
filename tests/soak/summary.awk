# The soak's summary (tests/soak/soak.sh): one line per process of
# samples.tsv, and its verdict.
#
# Warm-up is the first tenth of the run: the first sample at or after 10 %
# of the last sample's time is the reference. A process is "flat" when its
# anonymous resident memory (RssAnon: heap and stacks, what a leak grows)
# at the end is within +10 % or +2 MB (whichever is larger) of the
# reference, and its open files at the end at most 2 more than there
# (room for a connection of the sampler itself at the broker, or
# libfaketime reading its clock file at the moment of the sample). VmRSS
# is shown beside it: it also counts the pages of the LMDB files each
# process maps, which grow with the data it holds, by design.
BEGIN { FS = "\t" }
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
	printf "%-18s %24s %24s %9s %11s  %s\n", "process", "RSS MB warm/end/max",
	       "anon MB warm/end/max", "HWM MB", "fds w/end", "verdict"
	growth = 0
	for (i = 1; i <= procs; i++) {
		n = order[i]
		w = 0
		for (j = 1; j <= cnt[n]; j++)
			if (row_t[n, j] >= tmax * 0.1) { w = j; break }
		if (!w) w = cnt[n]
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
		printf "%-18s %24s %24s %9s %11s  %s\n", n,
		       mb(row_rss[n, w]) "/" mb(row_rss[n, e]) "/" mb(rmax),
		       mb(aw) "/" mb(ae) "/" mb(amax), mb(row_hwm[n, e]),
		       row_fds[n, w] "/" row_fds[n, e], v
	}
	printf "VERDICT %s: %d processes, %d flat (anon RSS within +10 %% or +2 MB of 10 %% into the run, fds at most +2)\n",
	       growth ? "growth" : "flat", procs, procs - growth
	exit growth > 0
}
