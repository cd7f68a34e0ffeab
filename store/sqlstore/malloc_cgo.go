//go:build linux && cgo

package sqlstore

/*
#include <malloc.h>

// keep_heap raises glibc's trim threshold (see keepCHeap). It is a no-op
// where the C library has no such setting (musl defines no M_TRIM_THRESHOLD).
static void keep_heap(int bytes) {
#ifdef M_TRIM_THRESHOLD
	mallopt(M_TRIM_THRESHOLD, bytes);
#endif
}
*/
import "C"

import "sync"

// cHeapKeep is how much free memory at the top of a C heap glibc keeps
// instead of handing it back to the kernel.
const cHeapKeep = 512 << 20

var keepOnce sync.Once

// keepCHeap stops glibc from giving SQLite's freed memory back to the
// kernel as soon as a heap's top is free (its default trim threshold is
// 128 KiB). SQLite's statements and page cache allocate and free on cgo
// threads' arenas all the time, and glibc shrinks those arenas with
// madvise(MADV_DONTNEED) at nearly every commit: each call flushes the
// TLBs of every CPU, which a virtual machine pays for in hypervisor exits,
// and the next allocation faults the pages back in. Measured on a 2-core
// VM, `inboxbot bench` routed 3,200 msgs/s with the default and 5,400
// with this (#17). The memory stays with the process, bounded by its
// peak use, which the page cache (32 MiB) mostly is.
func keepCHeap() { keepOnce.Do(func() { C.keep_heap(C.int(cHeapKeep)) }) }
