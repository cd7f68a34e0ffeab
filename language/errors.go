package language

import "errors"

// Sentinel errors of the package; match them with errors.Is.
var (
	// ErrNotReady means the models were not loaded before the caller's
	// context ended. It is transient: try again later.
	ErrNotReady = errors.New("language models are not loaded yet")
	// ErrUnknownLanguage means a configured language code is not one the
	// detector supports.
	ErrUnknownLanguage = errors.New("unknown language code")
	// ErrModels means the embedded model store is damaged or of another
	// version than the code: a build problem, not a runtime one.
	ErrModels = errors.New("language: bad model store")
)
