package connectors

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors that Sources and Senders return (wrapped), so that the
// Runner treats every platform alike. Match them with errors.Is.
var (
	// ErrUnauthorized means the token or credentials are invalid or
	// expired (Facebook 190, Twitter 401/32/89). Polling stops until the
	// process is restarted with new credentials.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrRateLimited means the platform asked us to slow down. Use
	// *RateLimitError to say until when.
	ErrRateLimited = errors.New("rate limited")
	// ErrRefused means an action was not sent because a platform rule
	// forbids it (a closed Messenger window, a second private reply, a
	// duplicate tweet). It is final: the action fails with the reason.
	ErrRefused = errors.New("refused")
)

// RateLimitError says how long to wait before calling the platform again.
type RateLimitError struct {
	// Until is when the budget is back.
	Until time.Time
	// Reason is the platform's explanation (code, header), without
	// customer data.
	Reason string
}

// Error says until when, and why.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited until %s: %s", e.Until.UTC().Format(time.RFC3339), e.Reason)
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Refusal returns an ErrRefused error with a reason an agent can read.
func Refusal(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, a...))
}
