package agent

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors of the agents' desk; match them with errors.Is. The HTTP
// layer maps each to one status code, so the CLI and the API agree on what
// went wrong.
var (
	// ErrUnauthenticated means the request carries no valid session or
	// token (HTTP 401).
	ErrUnauthenticated = errors.New("agent: not signed in")
	// ErrBadCredentials means a sign-in used an unknown name or a wrong
	// password; the two are not told apart, so names cannot be probed.
	ErrBadCredentials = errors.New("agent: wrong name or password")
	// ErrForbidden means the agent is signed in but may not do this, e.g.
	// a non-admin on an admin route (HTTP 403).
	ErrForbidden = errors.New("agent: forbidden")
	// ErrCSRF means a state-changing browser request lacks the session's
	// CSRF token (HTTP 403).
	ErrCSRF = errors.New("agent: missing or wrong CSRF token")
	// ErrNotFound means the conversation or agent does not exist (HTTP 404).
	ErrNotFound = errors.New("agent: not found")
	// ErrInvalid means the request is malformed (HTTP 400).
	ErrInvalid = errors.New("agent: invalid request")
	// ErrHeld means another agent holds the conversation; use *HeldError
	// to learn who (HTTP 409).
	ErrHeld = errors.New("agent: conversation held by another agent")
	// ErrRefused means the reply guard refused a reply; the error text
	// says why, for the agent (HTTP 422).
	ErrRefused = errors.New("agent: reply refused")
	// ErrRateLimited means too many failed sign-ins; use
	// *RateLimitError to learn for how long (HTTP 429).
	ErrRateLimited = errors.New("agent: too many failed sign-ins")
	// ErrBusy means a sign-in waited too long for its password check,
	// because too many were in progress (HTTP 503 with Retry-After).
	ErrBusy = errors.New("agent: too many sign-ins at once")
	// ErrExists means an agent with that name exists already (HTTP 409).
	ErrExists = errors.New("agent: already exists")
	// ErrNoReplier means the Service was built without a Replier, so it
	// cannot send replies (e.g. a read-only CLI).
	ErrNoReplier = errors.New("agent: replies are not available here")
)

// InvalidError is a request refused as malformed, with a message written
// for whoever sent it. It matches ErrInvalid. The HTTP layer shows
// Message and nothing else: an invalid-input error that is not an
// InvalidError (a store's, say) is answered with a generic sentence, so
// that no internal error text reaches a client.
type InvalidError struct {
	// Message says what is wrong, in the caller's terms. It never holds
	// the text of an underlying error.
	Message string
	// Err is the underlying cause, for the server log; nil when none.
	Err error
}

// Error returns the message.
func (e *InvalidError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the cause, so that errors.Is and errors.As see it too.
func (e *InvalidError) Unwrap() error { return e.Err }

// invalidf returns an *InvalidError with a formatted message.
func invalidf(format string, a ...any) error {
	return &InvalidError{Message: fmt.Sprintf(format, a...)}
}

// HeldError says who holds a conversation that another agent tried to
// claim, assign or answer. It matches ErrHeld.
type HeldError struct {
	// ConversationID is the conversation asked for.
	ConversationID int64
	// Assignee is the agent who holds it now.
	Assignee string
}

// Error names the holder, so that the agent knows whom to talk to.
func (e *HeldError) Error() string {
	return fmt.Sprintf("conversation %d is held by %s: take it over explicitly first", e.ConversationID, e.Assignee)
}

// Is makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// RefusedError carries the reply guard's reason. It matches ErrRefused
// and also the guard's own error, so that callers may test either.
type RefusedError struct {
	// Reason is the guard's explanation, written for the agent. It never
	// holds the secret that caused the refusal.
	Reason string
	// Err is the guard's error.
	Err error
}

// Error returns the reason.
func (e *RefusedError) Error() string { return "reply refused: " + e.Reason }

// Unwrap lets errors.Is match both ErrRefused and the guard's error.
func (e *RefusedError) Unwrap() []error { return []error{ErrRefused, e.Err} }

// RateLimitError says how long a client must wait before trying to sign
// in again. It matches ErrRateLimited.
type RateLimitError struct {
	// RetryAfter is the wait, rounded up to whole seconds by the HTTP layer.
	RetryAfter time.Duration
}

// Error says how long to wait.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many failed sign-ins: try again in %s", e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }
