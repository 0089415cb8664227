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
 *             4: node-wide: every container of the node by its cgroup, each to WORKDIR/<id>.log (see "node mode"
 *             below and README.md): tracewall-ebpf --mode 4 --cls ... --workdir DIR --roots NAME:DEPTH:PREFIX,..;..
 *             [--exclude CGROUP-ID,...] [--max-cgroups N] [--max-counts N]
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
#include <poll.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "tracewall.h"
#include "tracewall.skel.h"

static volatile sig_atomic_t stopping;
static FILE *vlog;
static FILE *out;
static int node; /* mode 4: every container by its cgroup, each to its own log (see the node mode section) */

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
struct aflist {
	struct af *v;
	size_t n, cap;
};
static struct aflist afs;

static void on_af(struct aflist *l, const struct tw_af *e)
{
	for (size_t i = 0; i < l->n; i++) {
		struct af *a = &l->v[i];
		if (a->nr == e->nr && a->ok == e->ok && !memcmp(a->v, e->v, sizeof(a->v))) {
			a->count++;
			return;
		}
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			fail("memory", "out of memory", 3);
	}
	l->v[l->n++] = (struct af){ e->nr, e->ok, { e->v[0], e->v[1], e->v[2] }, 1 };
}

static void print_afs(const struct aflist *l)
{
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "@af[%d, %lld, %lld, %lld, %d]: %llu\n", l->v[i].nr, l->v[i].v[0], l->v[i].v[1], l->v[i].v[2],
			l->v[i].ok, l->v[i].count);
}

static struct aflist *node_route(const struct tw_hdr *h);

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	const struct tw_hdr *h = data;
	const struct tw_simple *s = data;
	struct aflist *al = &afs;
	if (node) {
		al = node_route(h); /* sets `out` to the cgroup's log */
		if (!al)
			return 0;
	}
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
		on_af(al, data);
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

static const char *LOST_NAMES[LOST_KINDS] = { "ringbuf", "tasks", "strings", "paths", "counts", "cgroups" };

static void finish(struct tracewall_bpf *skel)
{
	fprintf(out, "END\n");
	print_counts(bpf_map__fd(skel->maps.calls), "calls");
	print_counts(bpf_map__fd(skel->maps.fails), "fails");
	print_afs(&afs);
	for (unsigned int k = 0; k < LOST_CGROUPS; k++) {
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
	const char *workdir, *roots, *exclude;
	unsigned long long max_cgroups, max_counts;
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
		else if (!strcmp(a, "--workdir"))
			o->workdir = v;
		else if (!strcmp(a, "--roots"))
			o->roots = v;
		else if (!strcmp(a, "--exclude"))
			o->exclude = v;
		else if (!strcmp(a, "--max-cgroups"))
			o->max_cgroups = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--max-counts"))
			o->max_counts = strtoull(v, NULL, 10);
		else
			fail("usage", a, 2);
	}
	if (o->mode == 4 ? !o->workdir || !o->roots || !o->cls : o->root <= 0 || !o->cls)
		fail("usage", "--cls and --root (or, with --mode 4, --workdir and --roots) are required", 2);
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
static int mark(struct tracewall_bpf *skel, int tid, unsigned long long cg, unsigned char st, unsigned char xm)
{
	int pidfd = syscall(SYS_pidfd_open, tid, 0);
	if (pidfd < 0 && errno == EINVAL)
		pidfd = syscall(SYS_pidfd_open, tid, 0x80 /* PIDFD_THREAD = O_EXCL */);
	if (pidfd < 0)
		return -errno;
	unsigned char value[bpf_map__value_size(skel->maps.tasks)];
	memset(value, 0, sizeof(value));
	memcpy(value, &cg, 8); /* struct tstate: cg, st, xm */
	value[8] = st;
	value[9] = xm;
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
				if (mark(skel, tid, 0, 2, 0) == 0) {
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

/* ---- node mode (--mode 4): every container on the node, each by its cgroup, each to its own log --------------
 *
 * The kernel includes a cgroup when a task enters it (a runtime moving its container's init there, a child born in it,
 * an exec in it) and it is below one of the --roots; it sends EV_CGROUP and the loader opens WORKDIR/<id>.log, a log
 * of the same grammar as the one-tree modes, and says `CG <id>` on stdout. Commands on stdin, one per line, each
 * answered on stdout once every event sent before it is in the logs:
 *   TAKE <id>          finish the cgroup's log (END, its counts, @af, its LOST lines), forget it in the kernel (its
 *                      counts and state freed; it is not recorded again): `TAKEN <id> <log>` (`-` for none)
 *   SNAP <id> <file>   write the log so far with END, its counts, @af and LOST lines to <file`: `SNAPPED <id> <file>`
 *   FORGET <id>        drop the cgroup (log removed, kernel state freed, never recorded again): `FORGOTTEN <id>`
 *   INCLUDE <id> <dir> record a cgroup already running (its threads from <dir>/cgroup.threads, its processes the
 *                      application already): `INCLUDED <id> <threads marked>`
 *   LOST               the run's loss counters so far: `LOSTNOW <ringbuf> <tasks> <strings> <paths> <counts> <cgroups>`
 * At the end (SIGINT, SIGTERM, stdin closed, tracewall gone) every open log is finished (`FINISHED <id> <log>`),
 * then `LOST <kind> <n>` for the whole run and `END`. */

struct cgf {
	unsigned long long cg;
	FILE *f;
	char path[4096];
	struct aflist af;
	struct cgf *next;
};

#define CG_BUCKETS 4096
static struct cgf *cgtab[CG_BUCKETS];
static const char *workdir = "";
static const char *libbpf_ver = "";
static struct tracewall_bpf *gskel;
static FILE *ctl;

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(ctl, fmt, ap);
	va_end(ap);
	fflush(ctl);
}

static struct cgf **cg_slot(unsigned long long cg)
{
	struct cgf **p = &cgtab[cg % CG_BUCKETS];
	while (*p && (*p)->cg != cg)
		p = &(*p)->next;
	return p;
}

static void stamp(FILE *f)
{
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	fprintf(f, "T %lld.%06ld %llu\n", (long long)rt.tv_sec, rt.tv_nsec / 1000,
		(unsigned long long)mono.tv_sec * 1000000000ULL + mono.tv_nsec);
}

static struct cgf *cg_open(unsigned long long cg)
{
	struct cgf **p = cg_slot(cg);
	if (*p)
		return *p;
	struct cgf *c = calloc(1, sizeof(*c));
	if (!c)
		fail("memory", "out of memory", 3);
	c->cg = cg;
	snprintf(c->path, sizeof(c->path), "%s/%llu.log", workdir, cg);
	c->f = fopen(c->path, "w");
	if (!c->f) {
		free(c);
		say("CGERROR %llu %s\n", cg, strerror(errno));
		return NULL;
	}
	fprintf(c->f, "# tracewall ebpf log v1\n# tracewall: tracer ebpf libbpf-%s\n", libbpf_ver);
	stamp(c->f);
	fprintf(c->f, "READY\n");
	*p = c;
	say("CG %llu\n", cg);
	return c;
}

/* The af list of the event's cgroup, `out` set to its log; NULL for an event of no cgroup recorded (one forgotten). */
static struct aflist *node_route(const struct tw_hdr *h)
{
	if (h->type == EV_CGROUP) {
		cg_open(h->cg);
		return NULL;
	}
	struct cgf *c = *cg_slot(h->cg);
	if (!c)
		return NULL;
	out = c->f;
	return &c->af;
}

/* The end of a cgroup's log: END, its counts, @af, its losses (the grammar of the one-tree modes). */
static void cg_tail(struct cgf *c, FILE *f)
{
	int fd = bpf_map__fd(gskel->maps.cgcalls);
	fprintf(f, "END\n");
	for (unsigned int kind = 0; kind < 2; kind++)
		for (unsigned int i = 0; i < 3 * TW_NRS; i++) {
			struct tw_ckey k = { c->cg, kind * 3 * TW_NRS + i, 0 };
			unsigned long long n = 0;
			if (bpf_map_lookup_elem(fd, &k, &n) || !n)
				continue;
			fprintf(f, "@%s[%u, %u]: %llu\n", kind ? "fails" : "calls", i / TW_NRS,
				i / TW_NRS == 2 ? (i % TW_NRS) | 0x40000000u : i % TW_NRS, n);
		}
	FILE *keep = out;
	out = f;
	print_afs(&c->af);
	out = keep;
	struct tw_cgstate st = {};
	bpf_map_lookup_elem(bpf_map__fd(gskel->maps.cgs), &c->cg, &st);
	for (unsigned int k = 0; k < LOST_CGROUPS; k++)
		fprintf(f, "LOST %s %llu\n", LOST_NAMES[k], st.lost[k]);
}

/* Free the kernel's state of a cgroup and never record it again. */
static void cg_drop_kernel(unsigned long long cg)
{
	int fd = bpf_map__fd(gskel->maps.cgcalls);
	for (unsigned int idx = 0; idx < 2 * 3 * TW_NRS; idx++) {
		struct tw_ckey k = { cg, idx, 0 };
		bpf_map_delete_elem(fd, &k);
	}
	unsigned char one = 1;
	bpf_map_update_elem(bpf_map__fd(gskel->maps.cgx), &cg, &one, BPF_ANY);
	bpf_map_delete_elem(bpf_map__fd(gskel->maps.cgs), &cg);
}

/* Close a cgroup's log, finished (kept) or not (removed); the table forgets it. */
static void cg_close(struct cgf *c, int finish)
{
	struct cgf **p = cg_slot(c->cg);
	*p = c->next;
	if (finish)
		cg_tail(c, c->f);
	fclose(c->f);
	if (!finish)
		unlink(c->path);
	free(c->af.v);
	free(c);
}

static void cg_snapshot(struct cgf *c, const char *file)
{
	fflush(c->f);
	FILE *in = fopen(c->path, "r"), *to = fopen(file, "w");
	char buf[1 << 16];
	size_t n;
	while (in && to && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, to);
	if (to)
		cg_tail(c, to);
	if (in)
		fclose(in);
	if (!to || fclose(to))
		say("CGERROR %llu %s\n", c->cg, strerror(errno));
}

/* INCLUDE: a cgroup already running: its threads are marked (the application already) and its processes announced. */
static int cg_include_running(unsigned long long cg, const char *dir)
{
	struct tw_cgstate fresh = {};
	bpf_map_delete_elem(bpf_map__fd(gskel->maps.cgx), &cg);
	if (bpf_map_update_elem(bpf_map__fd(gskel->maps.cgs), &cg, &fresh, BPF_NOEXIST) && errno != EEXIST)
		return -errno;
	struct cgf *c = cg_open(cg);
	if (!c)
		return -EIO;
	char path[4200];
	int marked = 0, tid;
	snprintf(path, sizeof(path), "%s/cgroup.threads", dir);
	FILE *f = fopen(path, "r");
	while (f && fscanf(f, "%d", &tid) == 1)
		marked += mark(gskel, tid, cg, 2, 0) == 0;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "r");
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	while (f && fscanf(f, "%d", &tid) == 1)
		fprintf(c->f, "A %llu %d\n", (unsigned long long)mono.tv_sec * 1000000000ULL + mono.tv_nsec, tid);
	if (f)
		fclose(f);
	return marked;
}

static void node_command(char *line, struct ring_buffer *rb)
{
	char verb[16] = "", arg[4096] = "";
	unsigned long long cg = 0;
	if (sscanf(line, "%15s %llu %4095s", verb, &cg, arg) < 1)
		return;
	ring_buffer__consume(rb); /* everything sent before the command is in the logs first */
	struct cgf *c = *cg_slot(cg);
	if (!strcmp(verb, "TAKE")) {
		if (c) {
			char path[4096];
			snprintf(path, sizeof(path), "%s", c->path);
			cg_close(c, 1);
			cg_drop_kernel(cg);
			say("TAKEN %llu %s\n", cg, path);
		} else {
			cg_drop_kernel(cg);
			say("TAKEN %llu -\n", cg);
		}
	} else if (!strcmp(verb, "SNAP")) {
		if (c)
			cg_snapshot(c, arg);
		say("SNAPPED %llu %s\n", cg, c ? arg : "-");
	} else if (!strcmp(verb, "FORGET")) {
		if (c)
			cg_close(c, 0);
		cg_drop_kernel(cg);
		say("FORGOTTEN %llu\n", cg);
	} else if (!strcmp(verb, "INCLUDE")) {
		say("INCLUDED %llu %d\n", cg, cg_include_running(cg, arg));
	} else if (!strcmp(verb, "LOST")) {
		unsigned long long n[LOST_KINDS] = {};
		for (unsigned int k = 0; k < LOST_KINDS; k++)
			bpf_map_lookup_elem(bpf_map__fd(gskel->maps.lost), &k, &n[k]);
		say("LOSTNOW %llu %llu %llu %llu %llu %llu\n", n[0], n[1], n[2], n[3], n[4], n[5]);
	} else {
		say("CMDERROR %s\n", verb);
	}
}

/* The level-1 cgroups containers live under: NAME:DEPTH:PREFIX,PREFIX;... (the kernel matches them by name hash). */
static void set_roots(struct tracewall_bpf *skel, const char *spec)
{
	char *copy = strdup(spec), *save = NULL;
	for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		struct tw_root r = {};
		unsigned char name[TW_CGNAME] = {};
		char *c1 = strchr(tok, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || !c2 || c1 - tok >= TW_CGNAME || c1 == tok)
			fail("usage", "--roots expects NAME:DEPTH:PREFIX,...;... with names shorter than 32 bytes", 2);
		memcpy(name, tok, c1 - tok);
		r.depth = strtoul(c1 + 1, NULL, 10);
		char *psave = NULL;
		for (char *p = strtok_r(c2 + 1, ",", &psave); p && r.n < TW_PREFIXES; p = strtok_r(NULL, ",", &psave)) {
			if (strlen(p) >= TW_PREFIX)
				fail("usage", "--roots: a prefix is longer than 15 bytes", 2);
			memcpy(r.prefix[r.n], p, strlen(p));
			r.plen[r.n++] = strlen(p);
		}
		unsigned long long h = 14695981039346656037ULL, w;
		for (int i = 0; i < TW_CGNAME / 8; i++) {
			memcpy(&w, name + i * 8, 8);
			h = (h ^ w) * 1099511628211ULL;
		}
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.roots), &h, &r, BPF_ANY))
			fail("roots", strerror(errno), 3);
	}
	free(copy);
}

static void set_excluded(struct tracewall_bpf *skel, const char *spec)
{
	char *copy = strdup(spec), *save = NULL;
	unsigned char one = 1;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long long cg = strtoull(tok, NULL, 10);
		bpf_map_update_elem(bpf_map__fd(skel->maps.cgx), &cg, &one, BPF_ANY);
	}
	free(copy);
}

/* Node mode's loop: events to their cgroups' logs, commands from stdin, until stopped; then every log finished. */
static void node_run(struct tracewall_bpf *skel, struct ring_buffer *rb, int watch, pid_t parent)
{
	static char cmd[1 << 16];
	size_t have = 0;
	struct pollfd pf[2] = { { ring_buffer__epoll_fd(rb), POLLIN, 0 }, { 0, POLLIN, 0 } };
	while (!stopping) {
		int n = poll(pf, 2, 100);
		if (n < 0 && errno != EINTR)
			fail("poll", strerror(errno), 3);
		ring_buffer__consume(rb);
		if (n > 0 && (pf[1].revents & (POLLIN | POLLHUP))) {
			ssize_t got = read(0, cmd + have, sizeof(cmd) - 1 - have);
			if (got <= 0)
				break; /* whoever gives the commands is gone */
			have += got;
			char *nl;
			while ((nl = memchr(cmd, '\n', have))) {
				*nl = 0;
				node_command(cmd, rb);
				size_t used = nl + 1 - cmd;
				memmove(cmd, nl + 1, have - used);
				have -= used;
			}
			if (have == sizeof(cmd) - 1)
				have = 0;
		}
		if (getppid() != parent || (watch > 0 && kill(watch, 0) && errno == ESRCH))
			break;
	}
	ring_buffer__consume(rb);
	for (unsigned int b = 0; b < CG_BUCKETS; b++)
		while (cgtab[b]) {
			char path[4096];
			unsigned long long cg = cgtab[b]->cg;
			snprintf(path, sizeof(path), "%s", cgtab[b]->path);
			cg_close(cgtab[b], 1);
			say("FINISHED %llu %s\n", cg, path);
		}
	for (unsigned int k = 0; k < LOST_KINDS; k++) {
		unsigned long long n = 0;
		bpf_map_lookup_elem(bpf_map__fd(skel->maps.lost), &k, &n);
		say("LOST %s %llu\n", LOST_NAMES[k], n);
	}
	say("END\n");
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
	if (o->mode == 4) {
		/* readlink, not stat: stat of another process's namespace may be refused where its link is readable */
		char link[64] = "";
		unsigned int ino = 0;
		/* pid 1's where it can be read (an agent in a container with the host's pid namespace); else the loader's own
		 * (tracewall on the host itself, where pid 1's is refused to it) */
		if ((readlink("/proc/1/ns/mnt", link, sizeof(link) - 1) <= 0 &&
		     readlink("/proc/self/ns/mnt", link, sizeof(link) - 1) <= 0) ||
		    sscanf(link, "mnt:[%u]", &ino) != 1)
			fail("mntns", "cannot read the host's mount namespace (/proc/1/ns/mnt, /proc/self/ns/mnt)", 3);
		skel->rodata->host_mntns = ino;
	}
	set_cls(skel, o->cls);
	if (o->ringbuf)
		bpf_map__set_max_entries(skel->maps.events, o->ringbuf);
	/* the node mode's maps: sized for it, one entry in the other modes */
	int nd = o->mode == 4;
	bpf_map__set_max_entries(skel->maps.cgs, nd ? (o->max_cgroups ? o->max_cgroups : 4096) : 1);
	bpf_map__set_max_entries(skel->maps.cgx, nd ? 65536 : 1);
	bpf_map__set_max_entries(skel->maps.roots, nd ? 64 : 1);
	bpf_map__set_max_entries(skel->maps.cgcalls, nd ? (o->max_counts ? o->max_counts : 1 << 20) : 1);
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
	node = o.mode == 4;
	gskel = skel;
	ctl = stdout;
	workdir = o.workdir ? o.workdir : "";
	libbpf_ver = libbpf_version_string();
	if (node) {
		set_roots(skel, o.roots);
		if (o.exclude)
			set_excluded(skel, o.exclude);
	}
	int err = node ? 0 : o.mode >= 2 ? (mark_tree(skel, o.root) > 0 ? 0 : -ESRCH) : mark(skel, o.root, 0, 1, o.mode == 0);
	if (err)
		fail("mark", strerror(-err), 3);
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	fprintf(out, "T %lld.%06ld %llu\n", (long long)rt.tv_sec, rt.tv_nsec / 1000,
		(unsigned long long)mono.tv_sec * 1000000000ULL + mono.tv_nsec);
	if (o.mode >= 2 && !node)
		fprintf(out, "A %llu %d\n", (unsigned long long)mono.tv_sec * 1000000000ULL + mono.tv_nsec, o.root);
	fprintf(out, "READY\n");
	fflush(out);
	if (vlog) {
		fclose(vlog);
		vlog = NULL;
	}
	if (node) {
		node_run(skel, rb, o.watch, parent);
		ring_buffer__free(rb);
		tracewall_bpf__destroy(skel);
		return 0;
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
