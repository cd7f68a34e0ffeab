package main

import (
	"strings"
	"testing"
)

// TestFirstAgentIsAdmin: with no admin, the first agent added is made an
// admin and told so; the next is an agent, and --role still decides.
func TestFirstAgentIsAdmin(t *testing.T) {
	environ := []string{"INBOXBOT_DATA_DIR=" + t.TempDir()}
	code, out, errs := runCmd(t, environ, "", "agents", "add", "ana")
	if code != exitOK || !strings.Contains(out, "agent ana (admin) created") || !strings.Contains(out, "There was no admin, so ana is an admin") {
		t.Fatalf("first agents add: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCmd(t, environ, "", "agents", "add", "bo")
	if code != exitOK || !strings.Contains(out, "agent bo (agent) created") || strings.Contains(out, "no admin") {
		t.Errorf("second agents add: %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, environ, "", "agents", "add", "cy", "--role", "admin")
	if code != exitOK || !strings.Contains(out, "agent cy (admin) created") || strings.Contains(out, "no admin") {
		t.Errorf("agents add --role admin: %d\n%s", code, out)
	}
	// An explicit --role agent is kept even with no admin.
	environ = []string{"INBOXBOT_DATA_DIR=" + t.TempDir()}
	if code, out, _ := runCmd(t, environ, "", "agents", "add", "dee", "--role", "agent"); code != exitOK || !strings.Contains(out, "agent dee (agent) created") {
		t.Errorf("agents add --role agent: %d\n%s", code, out)
	}
}
