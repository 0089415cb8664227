// SPDX-License-Identifier: GPL-2.0
/*
 * tracewall's compiled eBPF recorder (CO-RE; built by scripts/build-ebpf.sh, loaded by loader.c).
 *
 * Follows one process tree and records what its application part does, as tracewall's bpftrace program does
 * (src/trace/bpftrace/tracewall.bt, whose argument table `cls` the loader passes in), at a fraction of the cost:
 *   - sys_enter/sys_exit are BTF raw tracepoints; a task not traced returns after one task-storage lookup;
 *   - syscall counts per ABI and number go to per-CPU arrays (no shared cache line, no event);
 *   - the arguments policy needs are read only for the calls that carry them (the `cls` table), and each distinct
 *     fact is sent once through the ring buffer (dedup by a hash in an LRU map: an evicted fact is sent again);
 *   - the process tree comes from sched_process_fork/exec/exit;
 *   - what could not be sent or was cut short is counted in `lost` and reported by the loader.
 *
 * Task state lives in task storage, so no map of tids fills up and dead tasks free their state with them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tracewall.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load. */
const volatile int mode = 0;          /* 0: the root's first exec starts the app; 1: the exec whose argv hashes so; 2: attach;
				       * 3: attach to a container; 4: node-wide, every container by its cgroup */
const volatile unsigned int start_argc = 0;
const volatile unsigned long long start_hash = 0;
const volatile unsigned int pidns = 0; /* mode 3: the container's pid namespace (inode) */
const volatile unsigned int host_mntns = 0; /* mode 4: the host's mount namespace (pid 1's, inode) */
const volatile unsigned int cls[TW_CLS] = {};

/* Which application has started (mode 1: the entrypoint runs once); the generation of path names (see bump). */
volatile unsigned int started = 0;
volatile unsigned long long gen = 1;

#define ST_TREE 1 /* part of the tree, not the application (yet) */
#define ST_APP 2  /* the application */
#define ST_OTHER 3 /* exec'd something else than the entrypoint (mode 1) */
#define MODE_NODE 4

struct tstate {
	unsigned long long cg; /* node mode: the cgroup the task is recorded under (the loader's mark writes cg, st, xm) */
	unsigned char st;  /* ST_* */
	unsigned char xm;  /* the next successful exec starts the application */
	unsigned char pd;  /* the exit program has something to do */
	unsigned char rk;  /* the stashed call is sent every time (no dedup) */
	unsigned char lf_set;
	unsigned int xn;   /* exec in progress: nr + 1 */
	unsigned int rn;   /* stashed call: nr + 1 */
	unsigned int an;   /* stashed argument fact: nr + 1 */
	unsigned long long cf; /* clone flags of the last clone call */
	unsigned long long rp1, rp2;
	long long rf1, rf2, ra[4];
	long long av[3];
	long long lf;
};
_Static_assert(__builtin_offsetof(struct tstate, st) == 8 && __builtin_offsetof(struct tstate, xm) == 9,
	       "the loader's mark writes cg, st and xm at these offsets");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstate);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3 * TW_NRS);
	__type(key, unsigned int);
	__type(value, unsigned long long);
} calls SEC(".maps"), fails SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LOST_KINDS);
	__type(key, unsigned int);
	__type(value, unsigned long long);
} lost SEC(".maps");

/* Node mode (the loader sizes these, and shrinks them to one entry in the other modes): the container cgroups
 * recorded, the cgroups never to record (tracewall's own, those user space took or said are not containers), the
 * level-1 cgroups containers live under (by name hash), and the syscall counts per cgroup. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, unsigned long long);
	__type(value, struct tw_cgstate);
} cgs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, unsigned long long);
	__type(value, unsigned char);
} cgx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, unsigned long long);
	__type(value, struct tw_root);
} roots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, struct tw_ckey);
	__type(value, unsigned long long);
} cgcalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, unsigned long long);
	__type(value, unsigned char);
} seen SEC(".maps");

struct pkey {
	unsigned long long d, m, hl, gen, cg;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pkey);
	__type(value, unsigned long long);
} pk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, unsigned int);
	__type(value, struct tw_call);
} scratch_call SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, unsigned int);
	__type(value, struct tw_path);
} scratch_path SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, unsigned int);
	__type(value, struct tw_exec);
} scratch_exec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, unsigned int);
	__type(value, unsigned long long);
} ctr SEC(".maps");

#define FNV_OFF 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/* Node mode: the cgroup the current task is recorded under (0: none). */
static __always_inline unsigned long long cur_cg(void)
{
	if (mode != MODE_NODE)
		return 0;
	struct tstate *s = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	return s ? s->cg : 0;
}

/* A loss of `kind`, counted for the whole run and (node mode) for cgroup `cg`. */
static __noinline void count_lost_cg(unsigned long long cg, unsigned int kind)
{
	unsigned long long *v = bpf_map_lookup_elem(&lost, &kind);
	if (v)
		__sync_fetch_and_add(v, 1);
	struct tw_cgstate *c = cg ? bpf_map_lookup_elem(&cgs, &cg) : 0;
	if (c)
		__sync_fetch_and_add(&c->lost[kind & 7], 1);
}

static __always_inline void count_lost(unsigned int kind)
{
	count_lost_cg(cur_cg(), kind);
}

/* Send `size` bytes of `data`; a full ring buffer is counted, never silent. */
static __always_inline int send(void *data, unsigned long long size)
{
	int err = bpf_ringbuf_output(&events, data, size, 0);
	if (err)
		count_lost(LOST_RINGBUF);
	return err;
}

static __always_inline void hdr(struct tw_hdr *h, unsigned int type, unsigned int tid)
{
	h->type = type;
	h->tid = tid;
	h->ts = bpf_ktime_get_ns();
	h->cg = cur_cg();
}

static __always_inline void simple(unsigned int type, unsigned int tid, long long v0, long long v1, long long v2)
{
	struct tw_simple e = {};
	hdr(&e.h, type, tid);
	e.v[0] = v0;
	e.v[1] = v1;
	e.v[2] = v2;
	send(&e, sizeof(e));
}

static __always_inline unsigned int abi_of(struct task_struct *t, long id)
{
	if (t->thread_info.status & 2) /* TS_COMPAT: int 0x80 or sysenter */
		return 1;
	return (id & 0x40000000) ? 2 : 0;
}

/* Node mode: the first count of a syscall in a cgroup still recorded (a full map is counted, never silent). */
static __noinline void add_count_new(unsigned long long cg, unsigned int idx)
{
	struct tw_ckey k = { cg, idx, 0 };
	unsigned long long one = 1;
	if (!bpf_map_lookup_elem(&cgs, &cg))
		return;
	long err = bpf_map_update_elem(&cgcalls, &k, &one, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU made it */) {
		unsigned long long *c = bpf_map_lookup_elem(&cgcalls, &k);
		if (c)
			__sync_fetch_and_add(c, 1);
	} else if (err) {
		count_lost_cg(cg, LOST_COUNTS);
	}
}

/* Count a call (fails: 0 calls, 1 failures) in its ABI's per-CPU array, or (node mode) in its cgroup's counts. */
static __always_inline void add_count_s(struct tstate *s, unsigned int kind, unsigned int abi, long id)
{
	unsigned int idx = abi * TW_NRS + ((unsigned int)id & (TW_NRS - 1));
	if (mode == MODE_NODE) {
		struct tw_ckey k = { s->cg, kind * 3 * TW_NRS + idx, 0 };
		unsigned long long *c = bpf_map_lookup_elem(&cgcalls, &k);
		if (c)
			__sync_fetch_and_add(c, 1);
		else
			add_count_new(s->cg, k.idx);
		return;
	}
	unsigned long long *c = bpf_map_lookup_elem(kind ? (void *)&fails : (void *)&calls, &idx);
	if (c)
		*c += 1;
}

/* ---- paths: components leaf first, walked up to the root of the mount namespace ---------------------------- */

struct walk {
	struct dentry *d;
	struct mount *mnt;
	struct tw_path *e;
	unsigned int off;
	unsigned int done;
};

static long walk_step(unsigned int i, void *ctx)
{
	struct walk *w = ctx;
	struct mount *mnt = w->mnt;
	struct dentry *d = w->d;
	struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
	if (d == root) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt) {
			w->done = 1;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		return 0;
	}
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) { /* a dentry that is its own parent: the root of a filesystem not mounted here */
		w->done = 1;
		return 1;
	}
	unsigned int len = BPF_CORE_READ(d, d_name.len) & 255;
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	unsigned int off = w->off;
	if (off > TW_PATH - 1 - len) {
		w->e->truncated = 1;
		w->done = 1;
		return 1;
	}
	off &= TW_PATH - 1;
	w->e->buf[off] = len;
	bpf_probe_read_kernel(&w->e->buf[off + 1], len, name);
	w->off = off + 1 + len;
	w->d = parent;
	return 0;
}

/* The serial of the path of (d, m), sending it first when it is new (or was forgotten); 0 for none. A global
 * function: the verifier checks it once, not at every call. */
__noinline unsigned long long path_serial(unsigned long long dp, unsigned long long mp, unsigned int tid,
					  unsigned long long ts)
{
	struct dentry *d = (struct dentry *)dp;
	struct vfsmount *m = (struct vfsmount *)mp;
	if (!d)
		return 0;
	unsigned long long cg = cur_cg();
	struct pkey key = { (unsigned long long)d, (unsigned long long)m, BPF_CORE_READ(d, d_name.hash_len), gen, cg };
	unsigned long long *known = bpf_map_lookup_elem(&pk, &key);
	if (known)
		return *known;
	unsigned int zero = 0;
	unsigned long long *c = bpf_map_lookup_elem(&ctr, &zero);
	struct tw_path *e = bpf_map_lookup_elem(&scratch_path, &zero);
	if (!c || !e)
		return 0;
	*c += 1;
	unsigned long long serial = ((unsigned long long)bpf_get_smp_processor_id() << 40) | *c;
	e->h.type = EV_PATH;
	e->h.tid = tid;
	e->h.ts = ts;
	e->h.cg = cg;
	e->serial = serial;
	e->truncated = 0;
	struct walk w = { d, container_of(m, struct mount, mnt), e, 0, 0 };
	bpf_loop(TW_DEPTH, walk_step, &w, 0);
	if (!w.done)
		e->truncated = 1;
	if (e->truncated)
		count_lost(LOST_PATHS);
	unsigned int len = w.off;
	if (len > TW_PATH)
		len = TW_PATH;
	e->len = len;
	if (send(e, offsetof(struct tw_path, buf) + (len & (2 * TW_PATH - 1))))
		return 0;
	bpf_map_update_elem(&pk, &key, &serial, BPF_ANY);
	return serial;
}

/* Node mode: an exec in the host's mount namespace is the runtime's own (runc re-executing itself from a sealed copy
 * before it enters the container's namespaces), never the container's application. */
static __always_inline int runtime_exec(struct task_struct *t)
{
	return mode == MODE_NODE && BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum) == host_mntns;
}

/* ---- node mode: which cgroups are containers' ------------------------------------------------------------ */

struct name_hash {
	unsigned char *buf;
	unsigned long long h;
};

/* FNV-1a over a name's TW_CGNAME bytes as 8-byte words (zero-padded), as the loader hashes the roots' names. */
static __always_inline unsigned long long hash_name(unsigned char *buf)
{
	unsigned long long h = FNV_OFF;
	for (int i = 0; i < TW_CGNAME / 8; i++) {
		unsigned long long w = 0;
		__builtin_memcpy(&w, buf + i * 8, 8);
		h = (h ^ w) * FNV_PRIME;
	}
	return h;
}

/* Does the level-2 name `name` start with one of the root's prefixes (or has it none)? */
static __always_inline int prefix_ok(struct tw_root *r, unsigned char *name)
{
	if (r->n == 0)
		return 1;
	for (int k = 0; k < TW_PREFIXES; k++) {
		if (k >= r->n)
			break;
		unsigned int len = r->plen[k];
		int same = 1;
		for (int i = 0; i < TW_PREFIX; i++)
			if (i < len && name[i] != r->prefix[k][i])
				same = 0;
		if (same)
			return 1;
	}
	return 0;
}

/* The id of the container cgroup `cgrp` is (it is recorded from now on), or 0 when it is not a container's: a
 * cgroup below a level-1 root user space named, at its depth, whose level-2 name has its prefix; never one user
 * space excluded. Runs at forks, execs and cgroup moves of tasks not recorded: never on the syscall hot path. */
static __noinline unsigned long long cg_include(struct cgroup *cgrp)
{
	if (!cgrp)
		return 0;
	unsigned long long id = BPF_CORE_READ(cgrp, kn, id);
	if (bpf_map_lookup_elem(&cgs, &id))
		return id;
	int level = BPF_CORE_READ(cgrp, level);
	if (level < 2 || bpf_map_lookup_elem(&cgx, &id))
		return 0;
	struct cgroup *a1 = 0, *a2 = 0;
	bpf_probe_read_kernel(&a1, sizeof(a1), &cgrp->ancestors[1]);
	bpf_probe_read_kernel(&a2, sizeof(a2), &cgrp->ancestors[2]);
	unsigned char n1[TW_CGNAME] = {}, n2[TW_PREFIX] = {};
	if (bpf_probe_read_kernel_str(n1, TW_CGNAME, BPF_CORE_READ(a1, kn, name)) <= 0)
		return 0;
	unsigned long long h = hash_name(n1);
	struct tw_root *r = bpf_map_lookup_elem(&roots, &h);
	if (!r || (r->depth && r->depth != level))
		return 0;
	bpf_probe_read_kernel_str(n2, TW_PREFIX, BPF_CORE_READ(a2, kn, name));
	if (!prefix_ok(r, n2))
		return 0;
	struct tw_cgstate fresh = {};
	long err = bpf_map_update_elem(&cgs, &id, &fresh, BPF_NOEXIST);
	if (err == -17)
		return id;
	if (err) {
		count_lost_cg(0, LOST_CGROUPS);
		return 0;
	}
	struct tw_simple e = {};
	e.h.type = EV_CGROUP;
	e.h.ts = bpf_ktime_get_ns();
	e.h.cg = id;
	e.v[0] = level;
	send(&e, sizeof(e));
	return id;
}

/* Node mode: task `t` (not recorded) is in a container's cgroup: record it, the application from its next exec. */
static __noinline struct tstate *node_join(struct task_struct *t, struct cgroup *cgrp)
{
	if (!t)
		return 0;
	unsigned long long cg = cg_include(cgrp);
	if (!cg)
		return 0;
	struct tstate *s = bpf_task_storage_get(&tasks, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		count_lost_cg(cg, LOST_TASKS);
		return 0;
	}
	s->cg = cg;
	s->st = ST_TREE;
	s->xm = 1;
	return s;
}

/* A task moved into a cgroup (a runtime putting its container's init there): it joins when that is a container's. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(on_cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task, bool threadgroup)
{
	if (mode != MODE_NODE || BPF_CORE_READ(dst, root, hierarchy_id) != 0)
		return 0;
	if (bpf_task_storage_get(&tasks, task, 0, 0))
		return 0;
	node_join(task, dst);
	return 0;
}

/* ---- the process tree ------------------------------------------------------------------------------------- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct tstate *p = bpf_task_storage_get(&tasks, parent, 0, 0);
	if (!p) {
		/* node mode: a child born in a container's cgroup (clone3's CLONE_INTO_CGROUP, or a parent not recorded) */
		if (mode == MODE_NODE)
			node_join(child, BPF_CORE_READ(child, cgroups, dfl_cgrp));
		return 0;
	}
	struct tstate *c = bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c) {
		count_lost(LOST_TASKS);
		return 0;
	}
	c->cg = p->cg;
	if (mode == MODE_NODE)
		c->xm = p->xm;
	if (p->st == ST_APP) {
		c->st = ST_APP;
		simple(EV_FORK, parent->pid, child->pid, p->cf, 0);
	} else {
		/* a new thread keeps its process's "exec'd since fork" state; a new process has not exec'd */
		c->st = (p->cf & 0x10000) ? p->st : ST_TREE;
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	struct tstate *s = bpf_task_storage_get(&tasks, t, 0, 0);
	/* node mode: a task in a container's cgroup not recorded yet (a thread its runtime moved with its leader) */
	if (!s && mode == MODE_NODE)
		s = node_join(t, BPF_CORE_READ(t, cgroups, dfl_cgrp));
	if (!s)
		return 0;
	if (s->st == ST_APP) {
		simple(EV_EXEC_OK, t->pid, old_pid, 0, 0);
	} else if (s->xm && runtime_exec(t)) {
		s->xn = 0; /* still the runtime: the application starts at a later exec */
		return 0;
	} else if (s->xm) {
		s->st = ST_APP;
		started = 1;
		simple(EV_APP, t->pid, 0, 0, 0);
		simple(EV_EXEC_OK, t->pid, old_pid, 0, 0);
		/* the exec that starts the application is its first call: counted here, it entered before */
		if (s->xn)
			add_count_s(s, 0, 0, s->xn - 1);
	} else {
		s->st = ST_OTHER;
	}
	s->xm = 0;
	s->xn = 0;
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *t, bool group_dead)
{
	struct tstate *s = bpf_task_storage_get(&tasks, t, 0, 0);
	if (!s)
		return 0;
	if (s->st == ST_APP)
		simple(EV_EXIT, t->pid, t->tgid, t->exit_code, group_dead);
	bpf_task_storage_delete(&tasks, t);
	return 0;
}

/* ---- exec ------------------------------------------------------------------------------------------------- */

struct hash_walk {
	unsigned long long argv;
	unsigned long long arg;
	unsigned long long h;
	unsigned int n, k;
};

/* FNV-1a over the first 16 arguments as 8-byte words (bytes after the NUL zeroed), as tracewall's argvHash. */
static long hash_step(unsigned int i, void *ctx)
{
	struct hash_walk *w = ctx;
	if (w->k == 0) {
		if (w->n >= 16 || bpf_probe_read_user(&w->arg, 8, (void *)(w->argv + w->n * 8)) || !w->arg)
			return 1;
	}
	unsigned long long word = 0;
	bpf_probe_read_user(&word, 8, (void *)(w->arg + w->k * 8));
	unsigned long long z = (word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL;
	if (z) {
		unsigned long long lsb = z & (0 - z);
		w->h = (w->h ^ (word & ((lsb >> 7) - 1))) * FNV_PRIME;
	} else {
		w->h = (w->h ^ word) * FNV_PRIME;
	}
	if (z || ++w->k >= 64) {
		w->k = 0;
		w->n++;
	}
	return 0;
}

static long argc_step(unsigned int i, void *ctx)
{
	struct hash_walk *w = ctx;
	unsigned long long a = 0;
	if (w->n >= 64 || bpf_probe_read_user(&a, 8, (void *)(w->argv + w->n * 8)) || !a)
		return 1;
	w->n++;
	return 0;
}

/* Mode 1: is this exec's argv the entrypoint's? */
__noinline int is_entrypoint(unsigned long long argv)
{
	struct hash_walk w = { argv, 0, FNV_OFF, 0, 0 };
	bpf_loop(16 * 64, hash_step, &w, 0);
	unsigned long long h = w.h;
	bpf_loop(64, argc_step, &w, 0);
	return w.n == start_argc && h == start_hash;
}

__noinline int exec_enter(struct tstate *s, long id, unsigned long long file, unsigned long long argv)
{
	unsigned int zero = 0;
	struct tw_exec *e = bpf_map_lookup_elem(&scratch_exec, &zero);
	if (!e || !s)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	s->xn = id + 1;
	s->pd = 1;
	hdr(&e->h, EV_EXEC, t->pid);
	e->nr = id;
	long n = bpf_probe_read_user_str(e->filename, TW_STR, (void *)file);
	e->len = n > 0 ? n - 1 : 0;
	e->truncated = n >= TW_STR;
	if (e->truncated)
		count_lost(LOST_STRINGS);
	unsigned long long a0 = 0;
	e->argv0len = 0;
	if (!bpf_probe_read_user(&a0, 8, (void *)argv) && a0) {
		n = bpf_probe_read_user_str(e->argv0, TW_ARGV0, (void *)a0);
		e->argv0len = n > 0 ? n : 0; /* the NUL included: argv[0] present, maybe empty */
	}
	e->dir = 0;
	/* a relative name is resolved against the cwd (as strace's AT_FDCWD decoration shows it) */
	if (e->len > 0 && e->filename[0] != '/')
		e->dir = path_serial((unsigned long long)BPF_CORE_READ(t, fs, pwd.dentry),
				     (unsigned long long)BPF_CORE_READ(t, fs, pwd.mnt), t->pid, e->h.ts);
	send(e, sizeof(*e));
	return 0;
}

/* ---- calls -------------------------------------------------------------------------------------------------- */

struct args6 {
	long long a[6];
};

static __always_inline long long arg_at(unsigned int i, struct args6 *r)
{
	switch (i) {
	case 0: return r->a[0];
	case 1: return r->a[1];
	case 2: return r->a[2];
	case 3: return r->a[3];
	case 4: return r->a[4];
	case 5: return r->a[5];
	default: return 0;
	}
}

/* Stash what the exit program needs for a call the table lists (see tracewall.bt's @cls for the encoding). */
__noinline int stash(struct tstate *s, long id, struct args6 *r)
{
	if (!s || !r)
		return 0;
		unsigned int c = cls[id & (TW_CLS - 1)];
	unsigned int kind = c & 15;
	unsigned int ip1 = (c >> 4) & 7, id1 = (c >> 7) & 7, ip2 = (c >> 10) & 7, id2 = (c >> 13) & 7;
	unsigned long long p1 = arg_at(ip1, r), p2 = arg_at(ip2, r);
	long long d1 = arg_at(id1, r), d2 = arg_at(id2, r);
	long long x1 = arg_at((c >> 16) & 7, r), x2 = arg_at((c >> 19) & 7, r), x3 = arg_at((c >> 22) & 7, r);
	if (kind == 7 || kind == 9) {
		if (id == 435)
			bpf_probe_read_user(&x1, 8, (void *)r->a[0]);
		s->an = id + 1;
		s->av[0] = x1;
		s->av[1] = x2;
		s->av[2] = x3;
		s->pd = 1;
		return 0;
	}
	if (kind == 10) {
		s->lf = d1;
		s->lf_set = 1;
		s->pd = 1;
		return 0;
	}
	int go = 1;
	long long f1 = -1, f2 = -1, r1 = x1, r2 = x2, r3 = x3, r4 = 0;
	if (kind == 1) {
		f1 = id1 == 7 ? -100 : (long long)(int)d1;
		if (!p1) {
			if (id == 280)
				kind = 4;
			else
				go = 0;
		}
	}
	if (kind == 2) {
		f1 = id1 == 7 ? -100 : (long long)(int)d1;
		f2 = id2 == 7 ? -100 : (long long)(int)d2;
	}
	if (kind == 3) {
		f1 = -2;
		if (id == 437)
			r1 = r->a[2];
		if (id == 85)
			r1 = 0x241;
	}
	if (kind == 4) {
		p1 = 0;
		f1 = (long long)(int)d1;
		/* only PROT_EXEC file mappings; only the locking fcntl commands */
		if (id == 9) {
			r2 = r->a[3];
			if (!(x1 & 4) || (r->a[3] & 0x20) || f1 < 0)
				go = 0;
		}
		if (id == 72 && x1 != 6 && x1 != 7 && x1 != 37 && x1 != 38)
			go = 0;
	}
	if (kind == 6) {
		/* the address (or sendmsg's msghdr) is read at exit; the fd of bind is kept */
		if (!p1)
			go = 0;
		r4 = d1;
	}
	if (!go)
		return 0;
	s->rn = id + 1;
	s->rp1 = p1;
	s->rp2 = p2;
	s->rf1 = f1;
	s->rf2 = f2;
	s->ra[0] = r1;
	s->ra[1] = r2;
	s->ra[2] = r3;
	s->ra[3] = r4;
	s->rk = (c >> 25) & 1;
	s->pd = 1;
	return 0;
}

/* The calls the tree's state needs whoever makes them: clone flags, and execs (the application's start). */
static __always_inline int tree_call(long id)
{
	return id == 56 || id == 57 || id == 58 || id == 59 || id == 322 || id == 435;
}

static __noinline int tree_enter(struct tstate *s, struct pt_regs *regs, long id)
{
	if (!s)
		return 0;
	unsigned long long a0 = regs->di, a1 = regs->si, a2 = regs->dx;
	/* clone flags, for every process of the tree (the fork tracepoint does not have them) */
	if (id == 56)
		s->cf = a0;
	else if (id == 435)
		bpf_probe_read_user(&s->cf, 8, (void *)a0);
	else if (id == 57)
		s->cf = 17;
	else if (id == 58)
		s->cf = 0x4111;
	if (id == 59 || id == 322) {
		unsigned long long file = id == 59 ? a0 : a1, argv = id == 59 ? a1 : a2;
		if (mode == 1 && s->st == ST_TREE && !started && is_entrypoint(argv))
			s->xm = 1;
		/* mode 3: a process that entered the container later (docker exec) is the application from its next exec */
		if (mode == 3 && s->st == ST_TREE)
			s->xm = 1;
		if (s->st == ST_APP || (s->xm && !runtime_exec(bpf_get_current_task_btf())))
			exec_enter(s, id, file, argv);
	}
	return 0;
}

/* The hot path of a traced task: count the call; read arguments only for the calls that carry facts. */
static __always_inline int enter(struct task_struct *t, struct tstate *s, struct pt_regs *regs, long id)
{
	int compat = t->thread_info.status & 2; /* TS_COMPAT: int 0x80 or sysenter */
	if (!compat && tree_call(id))
		tree_enter(s, regs, id);
	if (s->st != ST_APP)
		return 0;
	unsigned int abi = compat ? 1 : ((id & 0x40000000) ? 2 : 0);
	add_count_s(s, 0, abi, id);
	if (abi != 0 || (unsigned long)id >= TW_CLS || !cls[id & (TW_CLS - 1)])
		return 0;
	struct args6 r;
	r.a[0] = regs->di;
	r.a[1] = regs->si;
	r.a[2] = regs->dx;
	r.a[3] = regs->r10;
	r.a[4] = regs->r8;
	r.a[5] = regs->r9;
	stash(s, id, &r);
	return 0;
}

/* Mode 3: an exec by a process not followed yet, in the container's pid namespace: it joins the tree now. */
static __noinline int enter_container(struct task_struct *t, struct pt_regs *regs, long id)
{
	if (!t || BPF_CORE_READ(t, nsproxy, pid_ns_for_children, ns.inum) != pidns)
		return 0;
	struct tstate *s = bpf_task_storage_get(&tasks, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		count_lost(LOST_TASKS);
		return 0;
	}
	s->st = ST_TREE;
	return tree_enter(s, regs, id);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct tstate *s = bpf_task_storage_get(&tasks, t, 0, 0);
	if (!s) {
		if (mode == 3 && (id == 59 || id == 322))
			return enter_container(t, regs, id);
		return 0;
	}
	return enter(t, s, regs, id);
}

/* The dentry and vfsmount of fd `fd` of task `t` (zero for none, and for pipes, sockets, anonymous inodes). */
static __always_inline void fd_path(struct task_struct *t, long long fd, struct dentry **d, struct vfsmount **m)
{
	*d = 0;
	*m = 0;
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return;
	struct dentry *dd = BPF_CORE_READ(f, f_path.dentry);
	const struct dentry_operations *op = BPF_CORE_READ(dd, d_op);
	if (op && BPF_CORE_READ(op, d_dname))
		return;
	*d = dd;
	*m = BPF_CORE_READ(f, f_path.mnt);
}

/* FNV-1a over a string's 8-byte words (the bytes after its end zeroed). A plain bounded loop, not bpf_loop (which calls
 * its callback indirectly once per word): hashing a repeated fact measured about 180 ns with bpf_loop and the root read
 * by helper calls, 80 ns after both changes (bpf_stats, a newfstatat loop). */
static __always_inline unsigned long long hash_str(unsigned long long h, unsigned char *buf, unsigned int len)
{
#pragma clang loop unroll(disable)
	for (unsigned int at = 0; at <= TW_STR - 8; at += 8) {
		if (at > len)
			break;
		unsigned long long word = 0;
		__builtin_memcpy(&word, buf + at, 8);
		if (at + 8 > len)
			word &= (1ULL << ((len - at) * 8)) - 1;
		h = (h ^ word) * FNV_PRIME;
	}
	return h;
}

/* Read a user string into `buf`: its length (without the NUL); cut short strings counted. */
static __always_inline unsigned int read_str(unsigned char *buf, unsigned long long p, unsigned int *cut)
{
	if (!p)
		return 0;
	long n = bpf_probe_read_user_str(buf, TW_STR, (void *)p);
	if (n <= 0)
		return 0;
	if (n >= TW_STR) {
		*cut = 1;
		count_lost(LOST_STRINGS);
	}
	return n - 1;
}

static __always_inline int is_net(int nr)
{
	return nr == 49 || nr == 42 || nr == 44 || nr == 46;
}

/* The network calls: the address is read now, as the kernel saw it (family, port, address; a unix path). */
static __always_inline unsigned long long sockaddr(struct tstate *s, int nr, unsigned long long p1)
{
	unsigned long long sa = p1;
	if (nr == 46) {
		sa = 0;
		bpf_probe_read_user(&sa, 8, (void *)p1);
	}
	unsigned short fam = 0, pt = 0;
	bpf_probe_read_user(&fam, 2, (void *)sa);
	bpf_probe_read_user(&pt, 2, (void *)(sa + 2));
	s->ra[0] = fam;
	s->ra[1] = ((pt & 0xff) << 8) | (pt >> 8);
	s->ra[2] = 0;
	if (fam == 2) {
		unsigned int v4 = 0;
		bpf_probe_read_user(&v4, 4, (void *)(sa + 4));
		s->ra[2] = v4;
	} else if (fam == 10) {
		bpf_probe_read_user(&s->ra[2], 8, (void *)(sa + 8));
		bpf_probe_read_user(&s->ra[3], 8, (void *)(sa + 16));
	}
	if (nr != 49 && fam != 10)
		s->ra[3] = 0;
	return fam == 1 ? sa + 2 : 0;
}

static __always_inline unsigned long long fact_hash(struct tstate *s, struct tw_call *e, int nr, long ret,
						    unsigned long long d1, unsigned long long m1, unsigned long long d2,
						    unsigned long long m2, struct task_struct *t)
{
	/* the root (the same name under another root is another file), by its inode and device: read directly
	 * (tp_btf), which costs far less than a helper call per hop */
	struct dentry *rd = t->fs->root.dentry;
	unsigned long long ino = rd->d_inode->i_ino, dev = rd->d_sb->s_dev;
	unsigned long long h = hash_str(FNV_OFF, e->str1, e->len1);
	h = hash_str(h, e->str2, e->len2);
	unsigned long long v[13] = { nr, s->ra[0], s->ra[1], s->ra[2], s->ra[3], d1, m1, d2, m2, ino, dev, gen, s->cg };
	for (int i = 0; i < 13; i++)
		h = (h ^ v[i]) * FNV_PRIME;
	return (h ^ (ret < 0)) * FNV_PRIME;
}

/* A successful call the entry stashed: its facts, sent once. */
__noinline int emit_call(struct tstate *s, int nr, long ret)
{
	if (!s)
		return 0;
	unsigned int zero = 0;
	struct tw_call *e = bpf_map_lookup_elem(&scratch_call, &zero);
	if (!e)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	unsigned long long p1 = s->rp1, p2 = s->rp2;
	long long f1 = s->rf1, f2 = s->rf2;
	if (nr == 437) { /* openat2: the flags are in the open_how it points to */
		long long fl = 0;
		bpf_probe_read_user(&fl, 8, (void *)s->ra[0]);
		s->ra[0] = fl;
	}
	if (is_net(nr))
		p1 = sockaddr(s, nr, p1);
	if (f1 == -2)
		f1 = ret;
	unsigned int cut1 = 0, cut2 = 0;
	e->len1 = read_str(e->str1, p1, &cut1);
	e->len2 = read_str(e->str2, p2, &cut2);
	/* an empty path (AT_EMPTY_PATH) names an fd: no path fact */
	if (p1 && e->len1 == 0 && !is_net(nr))
		return 0;
	/* AT_FDCWD: a relative name is resolved against the cwd */
	if (f1 == -100)
		f1 = e->len1 && e->str1[0] != '/' ? -3 : -1;
	if (f2 == -100)
		f2 = e->len2 && e->str2[0] != '/' ? -3 : -1;
	struct dentry *d1 = 0, *d2 = 0;
	struct vfsmount *m1 = 0, *m2 = 0;
	if (f1 == -3) {
		d1 = BPF_CORE_READ(t, fs, pwd.dentry);
		m1 = BPF_CORE_READ(t, fs, pwd.mnt);
	} else if (f1 >= 0) {
		fd_path(t, f1, &d1, &m1);
	}
	if (f2 == -3) {
		d2 = BPF_CORE_READ(t, fs, pwd.dentry);
		m2 = BPF_CORE_READ(t, fs, pwd.mnt);
	} else if (f2 >= 0) {
		fd_path(t, f2, &d2, &m2);
	}
	unsigned long long h = fact_hash(s, e, nr, ret, (unsigned long long)d1, (unsigned long long)m1,
					 (unsigned long long)d2, (unsigned long long)m2, t);
	if (!s->rk && bpf_map_lookup_elem(&seen, &h))
		return 0;
	hdr(&e->h, EV_CALL, t->pid);
	unsigned long long ts = e->h.ts;
	e->nr = nr;
	e->ret = ret;
	e->flags = cut1 | (cut2 << 1);
	e->a[0] = s->ra[0];
	e->a[1] = s->ra[1];
	e->a[2] = s->ra[2];
	e->a[3] = s->ra[3];
	e->ser1 = path_serial((unsigned long long)d1, (unsigned long long)m1, t->pid, ts);
	e->ser2 = path_serial((unsigned long long)d2, (unsigned long long)m2, t->pid, ts);
	/* path_serial used the scratch of paths only; the call's scratch is intact */
	if (send(e, sizeof(*e)) == 0 && !s->rk) {
		unsigned char one = 1;
		bpf_map_update_elem(&seen, &h, &one, BPF_ANY);
	}
	/* paths that moved or went away: names seen before may now mean something else */
	if (nr == 82 || nr == 264 || nr == 316 || nr == 84 || nr == 87 || nr == 263 || nr == 165 || nr == 166 || nr == 155)
		__sync_fetch_and_add(&gen, 1);
	return 0;
}

__noinline int emit_af(struct tstate *s, long ret)
{
	if (!s)
		return 0;
	int nr = s->an - 1;
	struct tw_af e = {};
	hdr(&e.h, EV_AF, bpf_get_current_task_btf()->pid);
	e.nr = nr;
	e.ok = ret >= 0 || ret < -4095;
	if (nr == 102 || nr == 104 || nr == 107 || nr == 108) {
		e.v[0] = ret;
	} else {
		e.v[0] = s->av[0];
		e.v[1] = s->av[1];
		e.v[2] = s->av[2];
	}
	unsigned long long h = FNV_OFF ^ 0xaf;
	h = (h ^ nr) * FNV_PRIME;
	h = (h ^ e.v[0]) * FNV_PRIME;
	h = (h ^ e.v[1]) * FNV_PRIME;
	h = (h ^ e.v[2]) * FNV_PRIME;
	h = (h ^ e.ok) * FNV_PRIME;
	h = (h ^ s->cg) * FNV_PRIME;
	if (bpf_map_lookup_elem(&seen, &h))
		return 0;
	if (send(&e, sizeof(e)) == 0) {
		unsigned char one = 1;
		bpf_map_update_elem(&seen, &h, &one, BPF_ANY);
	}
	return 0;
}

__noinline int emit_listen(struct tstate *s)
{
	if (!s)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct tw_listen e = {};
	long long fd = s->lf;
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return 0;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	hdr(&e.h, EV_LISTEN, t->pid);
	e.fd = fd;
	e.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	e.addr4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	BPF_CORE_READ_INTO(&e.addr6, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
	send(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct tstate *s = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	if (!s)
		return 0;
	if (s->st == ST_APP && ret < 0 && ret > -4096) {
		long id = regs->orig_ax;
		add_count_s(s, 1, abi_of(bpf_get_current_task_btf(), id), id);
	}
	if (!s->pd)
		return 0;
	s->pd = 0;
	if (s->xn) {
		/* an exec that failed (one that succeeded is reported by sched_process_exec) */
		if (ret < 0)
			simple(EV_EXEC_FAIL, bpf_get_current_task_btf()->pid, ret, 0, 0);
		s->xn = 0;
	}
	if (s->an) {
		emit_af(s, ret);
		s->an = 0;
	}
	if (s->lf_set) {
		s->lf_set = 0;
		if (ret == 0)
			emit_listen(s);
	}
	int nr = (int)s->rn - 1;
	s->rn = 0;
	/* success, or a connect in progress */
	if (nr >= 0 && (ret >= 0 || ret < -4095 || (nr == 42 && ret == -115)))
		emit_call(s, nr, ret);
	return 0;
}
