//go:build !(linux && cgo)

package sqlstore

// keepCHeap does nothing where SQLite's C heap is not glibc's on Linux;
// see malloc_cgo.go.
func keepCHeap() {}
