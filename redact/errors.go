package redact

import "errors"

// Errors that CopyJSONL writes in place of a line it cannot process. Their
// texts are fixed so that an error record never echoes customer text.
var (
	// ErrMalformedLine means a line is not a JSON object.
	ErrMalformedLine = errors.New("malformed line: not a JSON object")
	// ErrMissingText means a line's object has no "text" field.
	ErrMissingText = errors.New(`missing "text" field`)
	// ErrTextNotString means a line's "text" field is not a JSON string.
	ErrTextNotString = errors.New(`"text" field is not a string`)
)
