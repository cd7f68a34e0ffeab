package store

import (
	"errors"
	"fmt"
)

// Sentinel errors returned by Store implementations; match them with errors.Is.
var (
	// ErrNotFound means the record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means a record with the same unique name exists.
	ErrExists = errors.New("store: already exists")
	// ErrConflict means a compare-and-set update lost, e.g. a claim on a
	// conversation another agent holds.
	ErrConflict = errors.New("store: conflict")
	// ErrAlreadyAttempted means a send was attempted before and its outcome
	// is unknown; the action is now marked unknown and must not be re-sent
	// blindly (only through RetrySend, after a check on the platform).
	ErrAlreadyAttempted = errors.New("store: send already attempted, outcome unknown")
	// ErrTerminal means the action is already sent, failed or unknown.
	ErrTerminal = errors.New("store: action already finished")
	// ErrUnknownDriver means Config.Driver names no implementation.
	ErrUnknownDriver = errors.New("store: unknown driver")
)

// ErrInvalid means the input cannot be stored as given, e.g. an inbound item
// that fails inbox.Inbound.Validate. Retrying the same input cannot succeed,
// so callers dead-letter it rather than retry.
var ErrInvalid = errors.New("store: invalid input")

// InvalidItemError is returned (wrapped) by Ingest when one item of a batch
// is invalid. Nothing of the batch is stored; Index lets the caller set that
// one item aside and ingest the rest. It matches ErrInvalid with errors.Is.
type InvalidItemError struct {
	// Index is the position of the first invalid item in the batch.
	Index int
	// Err says what is wrong with it.
	Err error
}

// Error reports the item's position and the reason.
func (e *InvalidItemError) Error() string {
	return fmt.Sprintf("store: invalid item %d: %v", e.Index, e.Err)
}

// Unwrap lets errors.Is match both ErrInvalid and the underlying reason.
func (e *InvalidItemError) Unwrap() []error { return []error{ErrInvalid, e.Err} }
