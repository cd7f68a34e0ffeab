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
