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
	// expired (Facebook 190, Twitter 401/32/89). Polling pauses and tries
	// again every Runner.UnauthorizedRetry; actions wait.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrRateLimited means the platform asked us to slow down. Use
	// *RateLimitError to say until when.
	ErrRateLimited = errors.New("rate limited")
	// ErrRefused means an action was not sent because a platform rule
	// forbids it (a closed Messenger window, a second private reply, a
	// duplicate tweet). It is final: the action fails with the reason.
	ErrRefused = errors.New("refused")
	// ErrForbidden means the account's access level lacks an endpoint
	// (X's 403 code 453 on v1.1 for self-serve accounts, v2's
	// client-forbidden problem). It does not heal by retrying soon: use
	// *ForbiddenError to say when to look again.
	ErrForbidden = errors.New("forbidden")
)

// ForbiddenWait is how long an endpoint that the access level lacks is
// left alone before one more try: upgrades are rare, and a storm of
// refused calls helps nobody.
const ForbiddenWait = 10 * time.Minute

// ForbiddenError says which endpoint the account may not use, why, and
// when it will be tried again.
type ForbiddenError struct {
	// Endpoint is the refused API resource.
	Endpoint string
	// Until is when the endpoint is tried again.
	Until time.Time
	// Reason is the platform's explanation with what an operator can do
	// about it, without customer data.
	Reason string
}

// Error names the endpoint and the reason.
func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("%s: forbidden for this access level (next try %s): %s", e.Endpoint, e.Until.UTC().Format(time.RFC3339), e.Reason)
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// ErrOverBudget means an automatic action was not sent because the
// platform's daily spending budget is reached. Agents' actions still go.
var ErrOverBudget = errors.New("daily budget reached")

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
