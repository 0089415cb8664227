/* Shared by tracewall's eBPF program (tracewall.bpf.c) and its loader (loader.c): the events the program sends
 * through its ring buffer, and the loss counters it keeps. */
#ifndef TRACEWALL_H
#define TRACEWALL_H

#define TW_STR 512       /* bytes of a user string read (a path argument, an exec's filename) */
#define TW_ARGV0 128     /* bytes of an exec's argv[0] */
#define TW_PATH 4096     /* bytes of a path's components sent (each as a length byte and the name) */
#define TW_DEPTH 48      /* directory levels walked up */
#define TW_NRS 1024      /* syscall numbers counted per ABI */
#define TW_CLS 512       /* syscall numbers the argument table covers (x86_64) */

enum tw_event {
	EV_APP = 1,    /* the application starts with this process */
	EV_FORK,       /* a process or thread of the application was born */
	EV_EXIT,       /* a thread of the application ended */
	EV_EXEC,       /* an exec attempt, with its filename, argv[0] and the cwd for a relative name */
	EV_EXEC_OK,    /* an exec succeeded */
	EV_EXEC_FAIL,  /* an exec failed */
	EV_PATH,       /* a path's components, leaf first, under its serial */
	EV_CALL,       /* a call with the facts policy needs */
	EV_LISTEN,     /* listen() on a socket bound there */
	EV_AF,         /* an argument fact (socket family, clone flags, prctl option, ...) and whether it succeeded */
	EV_CGROUP,     /* node mode: the kernel included a new container cgroup (its id in h.cg) */
};

/* Node mode: a cgroup v2 directory at level 1 (a child of the root) under which containers live, named by the FNV-1a
 * hash of its name (TW_CGNAME bytes, zero-padded); its containers' cgroups are at level `depth` (0: any level below
 * it) and, when `n` > 0, the level-2 cgroup on their path starts with one of `prefix`. */
#define TW_CGNAME 32
#define TW_PREFIXES 4
#define TW_PREFIX 16
struct tw_root {
	unsigned int depth;
	unsigned int n;
	unsigned char prefix[TW_PREFIXES][TW_PREFIX];
	unsigned int plen[TW_PREFIXES];
};

/* Node mode: per cgroup, what it lost (the kinds of enum tw_lost). */
struct tw_cgstate {
	unsigned long long lost[8];
};

/* Node mode: a syscall count of one cgroup; idx = kind (0 calls, 1 fails) * 3 * TW_NRS + abi * TW_NRS + nr. */
struct tw_ckey {
	unsigned long long cg;
	unsigned int idx;
	unsigned int pad;
};

enum tw_lost {
	LOST_RINGBUF = 0, /* events the ring buffer had no room for */
	LOST_TASKS,       /* processes whose state could not be created (task storage full) */
	LOST_STRINGS,     /* strings longer than TW_STR bytes, sent cut short */
	LOST_PATHS,       /* paths deeper than TW_DEPTH levels or longer than TW_PATH bytes, sent cut short */
	LOST_COUNTS,      /* node mode: syscalls not counted (the count map was full) */
	LOST_CGROUPS,     /* node mode: container cgroups not recorded (the cgroup map was full) */
	LOST_KINDS,
};

struct tw_hdr {
	unsigned int type;
	unsigned int tid;
	unsigned long long ts; /* CLOCK_MONOTONIC ns */
	unsigned long long cg; /* node mode: the cgroup (v2 id) of the task it is about; 0 otherwise */
};

struct tw_simple {
	struct tw_hdr h;
	long long v[4]; /* FORK: child, flags; EXIT: tgid, exit_code, group_dead; EXEC_OK: old tid; EXEC_FAIL: ret */
};

struct tw_path {
	struct tw_hdr h;
	unsigned long long serial;
	unsigned int len;
	unsigned int truncated;
	/* TW_PATH + 256 are ever written; twice TW_PATH so that the length sent can be bounded with a mask
	 * that keeps every length up to TW_PATH (TW_PATH + 255 is not one: it cut a 4,000-byte path to 180 bytes) */
	unsigned char buf[2 * TW_PATH];
};

struct tw_call {
	struct tw_hdr h;
	int nr;
	unsigned int flags; /* 1: str1 cut short, 2: str2 cut short */
	long long ret;
	long long a[4];
	unsigned long long ser1, ser2;
	unsigned int len1, len2; /* bytes of str1/str2 (0: none) */
	unsigned char str1[TW_STR];
	unsigned char str2[TW_STR];
};

struct tw_exec {
	struct tw_hdr h;
	int nr;
	unsigned int truncated;
	unsigned long long dir;
	unsigned int len, argv0len;
	unsigned char filename[TW_STR];
	unsigned char argv0[TW_ARGV0];
};

struct tw_listen {
	struct tw_hdr h;
	int fd, family, port;
	unsigned int addr4;
	unsigned int addr6[4];
};

struct tw_af {
	struct tw_hdr h;
	int nr, ok;
	long long v[3];
};

#endif
