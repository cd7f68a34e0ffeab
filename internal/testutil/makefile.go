package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// MakefileVar returns the value of a variable (NAME := value) of the
// repository's Makefile, found by walking up from the working directory
// to go.mod: tests build with the same flags as `make`.
func MakefileVar(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
	data, err := os.ReadFile(filepath.Join(dir, "Makefile"))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*:?=\s*(.+)$`).FindSubmatch(data)
	if m == nil {
		return "", fmt.Errorf("the Makefile has no %s", name)
	}
	return strings.TrimSpace(string(m[1])), nil
}
