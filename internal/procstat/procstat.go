// Package procstat reads the process's own memory figures from
// /proc/self/status, for `inboxbot bench` and the benchmarks that report
// resident memory.
package procstat

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// MiB returns a field of /proc/self/status given in kB, such as VmRSS
// (resident now) or VmHWM (peak resident), in MiB, or -1 where there is
// no /proc or the field is missing or unreadable.
func MiB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return -1
		}
		return kb / 1024
	}
	return -1
}

// WriteBytes returns how many bytes this process has caused to be sent to
// the storage layer so far (write_bytes of /proc/self/io, counted when
// pages are dirtied, so it includes SQLite's WAL and checkpoints and the
// bus's file store), or -1 where there is no /proc or the field is
// missing. Benchmarks report the difference over a run.
func WriteBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != "write_bytes" {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	return -1
}
