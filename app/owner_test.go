package app

import "testing"

// TestOwnerIsStableInDataDir: the lease owner survives a restart (the
// same data dir), and two instances (two data dirs) differ.
func TestOwnerIsStableInDataDir(t *testing.T) {
	dir := t.TempDir()
	first, again, other := owner(dir), owner(dir), owner(t.TempDir())
	if first != again {
		t.Errorf("owner changed across restarts: %q then %q", first, again)
	}
	if first == other {
		t.Errorf("two data dirs share owner %q", first)
	}
}
