package connectors

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// CheckBaseURL checks the API base URL setting key of a connector's
// section: raw must be an absolute http or https URL ending with '/', or
// empty (the default applies). The error, if any, reads "key: message".
func CheckBaseURL(key, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%s: %q is not an http(s) URL", key, raw)
	case !strings.HasSuffix(raw, "/"):
		return fmt.Errorf("%s: must end with '/'", key)
	}
	return nil
}

// Bounds of a connector's unauthorized_retry setting: a pause shorter
// than a second hammers a platform that just rejected the credentials,
// and one longer than a day hides a renewed token from polling for as
// long.
const (
	minUnauthorizedRetry = time.Second
	maxUnauthorizedRetry = 24 * time.Hour
)

// CheckUnauthorizedRetry checks the unauthorized_retry setting key of a
// connector's section (Runner.UnauthorizedRetry): d must be zero (the
// default, DefaultUnauthorizedRetry, applies) or from 1s to 24h. The
// error, if any, reads "key: message".
func CheckUnauthorizedRetry(key string, d time.Duration) error {
	if d != 0 && (d < minUnauthorizedRetry || d > maxUnauthorizedRetry) {
		return fmt.Errorf("%s: %s is outside %s..%s (0 means the default, %s)", key, d, minUnauthorizedRetry, maxUnauthorizedRetry, DefaultUnauthorizedRetry)
	}
	return nil
}

// minPollInterval is the shortest poll interval a connector accepts.
const minPollInterval = time.Second / 10

// CheckInterval checks the poll interval setting key of a connector's
// section: d must be zero (the default applies) or at least
// minPollInterval. The error, if any, reads "key: message".
func CheckInterval(key string, d time.Duration) error {
	if d < 0 || (d > 0 && d < minPollInterval) {
		return fmt.Errorf("%s: %s is too short (minimum %s)", key, d, minPollInterval)
	}
	return nil
}
