package router

import (
	"errors"
	"fmt"
)

// Sentinel errors of the router; match them with errors.Is.
var (
	// ErrRefused means the reply guard refused an agent's reply: nothing
	// was stored or sent. The error's text says why, for the agent (the
	// HTTP layer answers 422 with it), and never repeats a secret.
	ErrRefused = errors.New("reply refused")
	// ErrNoTwitterAccount means the Twitter account id is neither
	// configured (policy.twitter.account_id) nor known from the connector,
	// so the DM deep link cannot be written.
	ErrNoTwitterAccount = errors.New("twitter account id unknown")
	// ErrUnknownTemplate means a template name or placeholder is not one
	// the policy knows.
	ErrUnknownTemplate = errors.New("unknown template")
)

// refuse returns an error wrapping ErrRefused with a reason for the agent.
func refuse(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, a...))
}
