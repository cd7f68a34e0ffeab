package bus

import "errors"

// Sentinel errors of the bus; match them with errors.Is.
var (
	// ErrConfig means the bus configuration cannot start a server.
	ErrConfig = errors.New("bus: invalid config")
	// ErrClosed means the bus was closed.
	ErrClosed = errors.New("bus: closed")
	// ErrNotReady means the embedded server did not start in time.
	ErrNotReady = errors.New("bus: embedded server not ready")
)
