package redact

import "os"

func readFileString(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}
