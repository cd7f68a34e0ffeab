//go:build !(linux && cgo)

package sqlstore

// keepCHeap does nothing where SQLite's C heap is not glibc's on Linux;
// see malloc_cgo.go.
func keepCHeap() {}

// sqliteMemoryCounted reports true: SQLite's statistics stay on here.
func sqliteMemoryCounted() bool { return true }
