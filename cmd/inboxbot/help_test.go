package main

import (
	"strings"
	"testing"
)

// TestHelpEveryCommand: `inboxbot help COMMAND` prints each command's
// usage, what it does, examples and (for commands with flags) its flags;
// `inboxbot COMMAND -h` prints the same page.
func TestHelpEveryCommand(t *testing.T) {
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			h, ok := helps[name]
			if !ok {
				t.Fatalf("no help page for %s", name)
			}
			code, out, errs := runCmd(t, nil, "", "help", name)
			if code != exitOK || !strings.HasPrefix(out, "usage: inboxbot "+name) || !strings.Contains(out, "\nexamples:\n") || errs != "" {
				t.Fatalf("help %s: exit %d\n%s\nstderr: %s", name, code, out, errs)
			}
			if len(h.examples) == 0 || h.about == "" {
				t.Errorf("%s: the page needs a description and examples", name)
			}
			for _, ex := range h.examples {
				if !strings.Contains(out, ex) {
					t.Errorf("help %s lacks the example %q", name, ex)
				}
			}
			if name == "help" || name == "version" {
				return
			}
			if !strings.Contains(out, "\nflags:\n") || !strings.Contains(out, "-config") {
				t.Errorf("help %s does not list the flags:\n%s", name, out)
			}
			code, _, errs = runCmd(t, nil, "", name, "-h")
			if code != exitUsage || !strings.HasPrefix(errs, "usage: inboxbot "+name) {
				t.Errorf("%s -h: exit %d\n%s", name, code, errs)
			}
		})
	}
	// The general page names every command.
	code, out, _ := runCmd(t, nil, "", "help")
	if code != exitOK || !strings.Contains(out, "connect") || !strings.Contains(out, "init") {
		t.Errorf("help: %d\n%s", code, out)
	}
	if code, _, errs := runCmd(t, nil, "", "help", "nope"); code != exitUsage || !strings.Contains(errs, `unknown command "nope"`) {
		t.Errorf("help nope: %d %s", code, errs)
	}
}

// TestHelpPolicyNamesTheInput: the policy page documents its input.
func TestHelpPolicyNamesTheInput(t *testing.T) {
	_, out, _ := runCmd(t, nil, "", "help", "policy")
	for _, want := range []string{`"platform"`, `"kind"`, `"text"`, "mention", "dm", "message", "comment", "post"} {
		if !strings.Contains(out, want) {
			t.Errorf("help policy lacks %s", want)
		}
	}
}
