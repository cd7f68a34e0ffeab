//go:build linux && cgo

package sqlstore

/*
#include <malloc.h>

// keep_heap raises glibc's trim threshold and fixes its mmap threshold
// (see keepCHeap). It is a no-op where the C library has no such settings
// (musl defines neither).
static void keep_heap(int keep, int mmap_from) {
#if defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	mallopt(M_TRIM_THRESHOLD, keep);
	mallopt(M_MMAP_THRESHOLD, mmap_from);
#endif
}

// sqlite3_config is go-sqlite3's (its amalgamation is linked into every
// binary that has this package).
extern int sqlite3_config(int, ...);

extern long long sqlite3_memory_used(void);

// no_memstatus turns SQLite's memory statistics off (see init).
static int no_memstatus(void) {
	return sqlite3_config(9, 0); // 9: SQLITE_CONFIG_MEMSTATUS in sqlite3.h
}
*/
import "C"

import "sync"

// SQLite keeps memory statistics unless built without them, and
// go-sqlite3's own copy of SQLite is built with them (a system library,
// with the libsqlite3 build tag, may not be): every allocation and free then
// takes one global mutex (pthread_mutex_lock and unlock were 3.6% of the
// pipeline's cycles under perf). inboxbot reads no such statistics and
// sets no soft heap limit, which needs them. sqlite3_config works only
// before SQLite's first use, which package initialisation precedes; its
// error (SQLITE_MISUSE, should anything have used SQLite already) leaves
// the statistics on and changes nothing else.
func init() { C.no_memstatus() }

// sqliteMemoryCounted reports whether SQLite counts the memory it holds,
// which init turned off: with the statistics off the count stays 0.
func sqliteMemoryCounted() bool { return C.sqlite3_memory_used() != 0 }

// cHeapKeep is how much free memory at the top of a C heap glibc keeps
// instead of handing it back to the kernel, and cMmapFrom the size from
// which an allocation gets its own mapping (glibc's default starts at
// 128 KiB and grows to at most this as large blocks are freed; fixing the
// trim threshold stops that growth, so it is fixed at the top).
const (
	cHeapKeep = 512 << 20
	cMmapFrom = 32 << 20
)

var keepOnce sync.Once

// keepCHeap stops glibc from giving SQLite's freed memory back to the
// kernel as soon as a heap's top is free (its default trim threshold is
// 128 KiB). SQLite's statements and page cache allocate and free on cgo
// threads' arenas all the time, and glibc shrinks those arenas with
// madvise(MADV_DONTNEED) at nearly every commit: each call flushes the
// TLBs of every CPU, which a virtual machine pays for in hypervisor exits,
// and the next allocation faults the pages back in. Measured on a 2-core
// VM, `inboxbot bench` routed 3,370-3,420 msgs/s with the default and
// 5,400-5,900 with this (#17). The memory stays with the process, bounded
// by its peak use: mostly the page caches, 32 MiB for the writer and up to
// 16 MiB for each reader.
func keepCHeap() {
	keepOnce.Do(func() { C.keep_heap(C.int(cHeapKeep), C.int(cMmapFrom)) })
}
