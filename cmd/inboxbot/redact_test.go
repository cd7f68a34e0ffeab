package main

import (
	"strings"
	"testing"
)

// TestRedactSparesTheCompanyNumber: `inboxbot redact` uses the policy's
// redactor, so the company's phone number (policy.contact.phone), ten
// digits that would read as a booking number, stays as it is.
func TestRedactSparesTheCompanyNumber(t *testing.T) {
	const in = "call 800 555 0199 about booking 4821553907\n"
	code, out, errs := runCmd(t, []string{"INBOXBOT_POLICY_CONTACT_PHONE=+1 800 555 0199"}, in, "redact")
	if code != 0 || out != "call 800 555 0199 about booking [booking number]\n" {
		t.Errorf("with the company's number: exit %d, %q %s", code, out, errs)
	}
	if _, out, _ := runCmd(t, nil, in, "redact"); !strings.Contains(out, "call [booking number]") {
		t.Errorf("without it, the number reads as a booking number: %q", out)
	}
}
