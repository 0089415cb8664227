// SPDX-License-Identifier: Apache-2.0
/*
 * tracewall's eBPF loader: loads tracewall.bpf.c (its generated skeleton), marks the tree to follow, and prints what
 * the program sends in the line format of tracewall's bpftrace log (src/trace/bpftrace/tracewall.bt documents it),
 * so one parser and one adapter serve both tracers. Built by scripts/build-ebpf.sh; run by src/trace/ebpf.ts.
 *
 * Usage: tracewall-ebpf --version (prints the libbpf it runs with)
 *        tracewall-ebpf --root PID --mode 0|1|2 [--argc N --hash H] --cls NR=VALUE,...
 *                       [--ringbuf BYTES] [--verifier-log FILE] [--watch PID]
 *   --root    the process to follow (started stopped by tracewall; it is continued by tracewall after READY)
 *   --mode    0: the root's first exec starts the application; 1: the first exec whose argv hashes to H with N
 *             arguments (a container's entrypoint); 2: attach: the root, its descendants and all their threads are the
 *             application already (found in /proc once the programs are attached; new ones by the fork program);
 *             3: as 2 for a container's init, and a process that enters the container's pid namespace (--pidns
 *             INODE) later (docker exec) is the application from its next exec
 *   --watch   stop when this process (tracewall) is gone, whoever the loader's parent is
 *   --cls     the argument table (tracewall.bt's @cls), x86_64 syscall number = encoded value
 * Lines: T, READY, then the records; on SIGINT/SIGTERM (or when its parent ends): the last events, END, the maps
 * @calls/@fails/@af, and `LOST <kind> <count>` for every loss counter, then it exits 0.
 * Errors: `ERROR <stage>: <reason>` on stderr and exit 3 (the verifier's output kept in the --verifier-log file).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "tracewall.h"
#include "tracewall.skel.h"

static volatile sig_atomic_t stopping;
static FILE *vlog;
static FILE *out;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (vlog && level != LIBBPF_DEBUG) {
		vfprintf(vlog, fmt, ap);
		fflush(vlog);
	}
	return 0;
}

static void fail(const char *stage, const char *why, int code)
{
	fprintf(stderr, "ERROR %s: %s\n", stage, why);
	exit(code);
}

/* Bytes as bpftrace's %r prints them: printable ASCII as is, every other byte as \xNN. */
static void put_r(const unsigned char *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f)
			fputc(b[i], out);
		else
			fprintf(out, "\\x%02x", b[i]);
	}
}

static void on_path(const struct tw_path *e, size_t size)
{
	unsigned int off = 0, len = e->len, cut = e->truncated;
	/* fewer bytes than the program walked, or a component past the end: the path is cut short, never silently */
	if (len > size - offsetof(struct tw_path, buf)) {
		len = size - offsetof(struct tw_path, buf);
		cut = 1;
	}
	while (off < len) {
		unsigned int n = e->buf[off];
		if (off + 1 + n > len) {
			cut = 1;
			break;
		}
		fprintf(out, "N %llu %llu ", e->h.ts, e->serial);
		put_r(&e->buf[off + 1], n);
		fputc('\n', out);
		off += 1 + n;
	}
	if (cut)
		fprintf(out, "NT %llu %llu\n", e->h.ts, e->serial);
	fprintf(out, "NE %llu %llu\n", e->h.ts, e->serial);
}

static void on_call(const struct tw_call *e)
{
	unsigned long long ts = e->h.ts;
	if (e->len1) {
		fprintf(out, "S %llu %u 1 ", ts, e->h.tid);
		put_r(e->str1, e->len1 < TW_STR ? e->len1 : TW_STR);
		fputc('\n', out);
	}
	if (e->len2) {
		fprintf(out, "S %llu %u 2 ", ts, e->h.tid);
		put_r(e->str2, e->len2 < TW_STR ? e->len2 : TW_STR);
		fputc('\n', out);
	}
	fprintf(out, "R %llu %u %d %lld %lld %lld %lld %lld %llu %llu %u\n", ts, e->h.tid, e->nr, e->ret, e->a[0], e->a[1],
		e->a[2], e->a[3], e->ser1, e->ser2, e->flags);
}

static void on_exec(const struct tw_exec *e)
{
	unsigned long long ts = e->h.ts;
	if (e->len) {
		fprintf(out, "S %llu %u 1 ", ts, e->h.tid);
		put_r(e->filename, e->len < TW_STR ? e->len : TW_STR);
		fputc('\n', out);
	}
	if (e->truncated)
		fprintf(out, "S %llu %u 9 \n", ts, e->h.tid);
	if (e->argv0len) {
		fprintf(out, "S %llu %u 2 ", ts, e->h.tid);
		put_r(e->argv0, e->argv0len < TW_ARGV0 ? e->argv0len : TW_ARGV0);
		fputc('\n', out);
	}
	fprintf(out, "XE %llu %u %d %llu\n", ts, e->h.tid, e->nr, e->dir);
}

/* Argument facts are aggregated here and printed at the end as bpftrace prints its @af map. */
struct af {
	int nr, ok;
	long long v[3];
	unsigned long long count;
};
static struct af *afs;
static size_t naf, capaf;

static void on_af(const struct tw_af *e)
{
	for (size_t i = 0; i < naf; i++) {
		struct af *a = &afs[i];
		if (a->nr == e->nr && a->ok == e->ok && !memcmp(a->v, e->v, sizeof(a->v))) {
			a->count++;
			return;
		}
	}
	if (naf == capaf) {
		capaf = capaf ? capaf * 2 : 64;
		afs = realloc(afs, capaf * sizeof(*afs));
		if (!afs)
			fail("memory", "out of memory", 3);
	}
	afs[naf++] = (struct af){ e->nr, e->ok, { e->v[0], e->v[1], e->v[2] }, 1 };
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	const struct tw_hdr *h = data;
	const struct tw_simple *s = data;
	switch (h->type) {
	case EV_APP:
		fprintf(out, "A %llu %u\n", h->ts, h->tid);
		break;
	case EV_FORK:
		fprintf(out, "F %llu %u %lld %llu\n", h->ts, h->tid, s->v[0], (unsigned long long)s->v[1]);
		break;
	case EV_EXIT:
		fprintf(out, "Q %llu %u %lld %lld %lld\n", h->ts, h->tid, s->v[0], s->v[1], s->v[2]);
		break;
	case EV_EXEC_OK:
		fprintf(out, "XS %llu %u %lld\n", h->ts, h->tid, s->v[0]);
		break;
	case EV_EXEC_FAIL:
		fprintf(out, "XF %llu %u %lld\n", h->ts, h->tid, s->v[0]);
		break;
	case EV_EXEC:
		on_exec(data);
		break;
	case EV_PATH:
		on_path(data, size);
		break;
	case EV_CALL:
		on_call(data);
		break;
	case EV_LISTEN: {
		const struct tw_listen *l = data;
		fprintf(out, "L %llu %u %d %d %d %u %u %u %u %u\n", h->ts, h->tid, l->fd, l->family, l->port, l->addr4,
			l->addr6[0], l->addr6[1], l->addr6[2], l->addr6[3]);
		break;
	}
	case EV_AF:
		on_af(data);
		break;
	}
	return 0;
}

static void print_counts(int fd, const char *name)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long *v = calloc(ncpu, sizeof(*v));
	if (!v)
		return;
	for (unsigned int k = 0; k < 3 * TW_NRS; k++) {
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		unsigned long long sum = 0;
		for (int c = 0; c < ncpu; c++)
			sum += v[c];
		if (sum)
			fprintf(out, "@%s[%u, %u]: %llu\n", name, k / TW_NRS,
				k / TW_NRS == 2 ? (k % TW_NRS) | 0x40000000u : k % TW_NRS, sum);
	}
	free(v);
}

static const char *LOST_NAMES[LOST_KINDS] = { "ringbuf", "tasks", "strings", "paths" };

static void finish(struct tracewall_bpf *skel)
{
	fprintf(out, "END\n");
	print_counts(bpf_map__fd(skel->maps.calls), "calls");
	print_counts(bpf_map__fd(skel->maps.fails), "fails");
	for (size_t i = 0; i < naf; i++)
		fprintf(out, "@af[%d, %lld, %lld, %lld, %d]: %llu\n", afs[i].nr, afs[i].v[0], afs[i].v[1], afs[i].v[2],
			afs[i].ok, afs[i].count);
	for (unsigned int k = 0; k < LOST_KINDS; k++) {
		unsigned long long n = 0;
		bpf_map_lookup_elem(bpf_map__fd(skel->maps.lost), &k, &n);
		fprintf(out, "LOST %s %llu\n", LOST_NAMES[k], n);
	}
	fflush(out);
}

struct opts {
	int root;
	int mode;
	unsigned int argc;
	unsigned long long hash;
	unsigned long long ringbuf;
	const char *cls;
	const char *vlog;
	int watch;
	unsigned int pidns;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			fail("usage", a, 2);
		i++;
		if (!strcmp(a, "--root"))
			o->root = atoi(v);
		else if (!strcmp(a, "--pidns"))
			o->pidns = strtoul(v, NULL, 10);
		else if (!strcmp(a, "--watch"))
			o->watch = atoi(v);
		else if (!strcmp(a, "--mode"))
			o->mode = atoi(v);
		else if (!strcmp(a, "--argc"))
			o->argc = strtoul(v, NULL, 10);
		else if (!strcmp(a, "--hash"))
			o->hash = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--ringbuf"))
			o->ringbuf = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--cls"))
			o->cls = v;
		else if (!strcmp(a, "--verifier-log"))
			o->vlog = v;
		else
			fail("usage", a, 2);
	}
	if (o->root <= 0 || !o->cls)
		fail("usage", "--root and --cls are required", 2);
}

static void set_cls(struct tracewall_bpf *skel, const char *spec)
{
	char *copy = strdup(spec), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int nr = 0, val = 0;
		if (sscanf(tok, "%u=%u", &nr, &val) != 2 || nr >= TW_CLS)
			fail("usage", "--cls expects NR=VALUE,... with NR below 512", 2);
		((unsigned int *)skel->rodata->cls)[nr] = val;
	}
	free(copy);
}

/* Mark a task (by pid or tid) as part of the tree: its task storage, set through a pidfd. */
static int mark(struct tracewall_bpf *skel, int tid, unsigned char st, unsigned char xm)
{
	int pidfd = syscall(SYS_pidfd_open, tid, 0);
	if (pidfd < 0 && errno == EINVAL)
		pidfd = syscall(SYS_pidfd_open, tid, 0x80 /* PIDFD_THREAD = O_EXCL */);
	if (pidfd < 0)
		return -errno;
	unsigned char value[bpf_map__value_size(skel->maps.tasks)];
	memset(value, 0, sizeof(value));
	value[0] = st; /* struct tstate: st, then xm */
	value[1] = xm;
	int err = bpf_map_update_elem(bpf_map__fd(skel->maps.tasks), &pidfd, value, BPF_ANY);
	int e = errno;
	close(pidfd);
	return err ? -e : 0;
}

/* The parent of a process (from /proc/PID/stat), or -1. */
static int ppid_of(int pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	int ppid = -1;
	if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* Attach mode: mark every thread of `root` and of its descendants (a walk of /proc, until a walk finds nothing new:
 * a process forked by one already marked is marked by the fork program). Returns how many threads were marked. */
static int mark_tree(struct tracewall_bpf *skel, int root)
{
	static int marked[65536];
	int nmarked = 0, added = 1;
	for (int pass = 0; pass < 4 && added; pass++) {
		added = 0;
		static int tree[65536];
		int ntree = 0;
		tree[ntree++] = root;
		/* breadth-first: a child's parent is in the tree before it */
		for (int grew = 1; grew;) {
			grew = 0;
			DIR *d = opendir("/proc");
			struct dirent *e;
			while (d && (e = readdir(d)) && ntree < 65536) {
				int pid = atoi(e->d_name), in = 0, parent_in = 0;
				if (pid <= 0)
					continue;
				int ppid = ppid_of(pid);
				for (int i = 0; i < ntree; i++) {
					in |= tree[i] == pid;
					parent_in |= tree[i] == ppid;
				}
				if (!in && parent_in) {
					tree[ntree++] = pid;
					grew = 1;
				}
			}
			if (d)
				closedir(d);
		}
		for (int i = 0; i < ntree; i++) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/task", tree[i]);
			DIR *d = opendir(path);
			struct dirent *e;
			while (d && (e = readdir(d))) {
				int tid = atoi(e->d_name), seen = 0;
				if (tid <= 0)
					continue;
				for (int k = 0; k < nmarked; k++)
					seen |= marked[k] == tid;
				if (seen || nmarked >= 65536)
					continue;
				if (mark(skel, tid, 2, 0) == 0) {
					marked[nmarked++] = tid;
					added = 1;
				}
			}
			if (d)
				closedir(d);
		}
	}
	return nmarked;
}

static struct tracewall_bpf *load(struct opts *o)
{
	struct tracewall_bpf *skel = tracewall_bpf__open();
	if (!skel)
		fail("open", strerror(errno), 3);
	skel->rodata->mode = o->mode;
	skel->rodata->start_argc = o->argc;
	skel->rodata->start_hash = o->hash;
	skel->rodata->pidns = o->pidns;
	set_cls(skel, o->cls);
	if (o->ringbuf)
		bpf_map__set_max_entries(skel->maps.events, o->ringbuf);
	int err = tracewall_bpf__load(skel);
	if (err) {
		char why[512];
		snprintf(why, sizeof(why), "%s%s%s", strerror(-err), o->vlog ? "; libbpf's and the verifier's output is in " : "",
			 o->vlog ? o->vlog : "");
		fail("load", why, 3);
	}
	err = tracewall_bpf__attach(skel);
	if (err)
		fail("attach", strerror(-err), 3);
	return skel;
}

int main(int argc, char **argv)
{
	static struct opts o;
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("libbpf %s\n", libbpf_version_string());
		return 0;
	}
	parse_args(argc, argv, &o);
	out = stdout;
	static char obuf[1 << 16];
	setvbuf(out, obuf, _IOFBF, sizeof(obuf));
	if (o.vlog) {
		vlog = fopen(o.vlog, "w");
		if (!vlog)
			fail("verifier-log", strerror(errno), 3);
	}
	libbpf_set_print(print_libbpf);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	pid_t parent = getppid();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	struct tracewall_bpf *skel = load(&o);
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb)
		fail("ringbuf", strerror(errno), 3);
	int err = o.mode >= 2 ? (mark_tree(skel, o.root) > 0 ? 0 : -ESRCH) : mark(skel, o.root, 1, o.mode == 0);
	if (err)
		fail("mark", strerror(-err), 3);
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	fprintf(out, "T %lld.%06ld %llu\n", (long long)rt.tv_sec, rt.tv_nsec / 1000,
		(unsigned long long)mono.tv_sec * 1000000000ULL + mono.tv_nsec);
	if (o.mode >= 2)
		fprintf(out, "A %llu %d\n", (unsigned long long)mono.tv_sec * 1000000000ULL + mono.tv_nsec, o.root);
	fprintf(out, "READY\n");
	fflush(out);
	if (vlog) {
		fclose(vlog);
		vlog = NULL;
	}
	while (!stopping) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR)
			fail("poll", strerror(-err), 3);
		/* whoever reads the output is gone (a closed pipe) or so is the parent: stop, nothing is recorded any more */
		if (fflush(out) || ferror(out) || getppid() != parent)
			break;
		if (o.watch > 0 && kill(o.watch, 0) && errno == ESRCH)
			break;
	}
	ring_buffer__consume(rb);
	finish(skel);
	ring_buffer__free(rb);
	tracewall_bpf__destroy(skel);
	return 0;
}
