package twitter

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gotwitter "github.com/dghubble/go-twitter/twitter"

	"github.com/inboxbot/inboxbot/connectors"
)

// Twitter error codes the connector acts on.
const (
	codeBadAuth      = 32  // "Could not authenticate you."
	codeInvalidToken = 89  // "Invalid or expired token."
	codeRateLimit    = 88  // "Rate limit exceeded" (HTTP 429)
	codeAccessLevel  = 453 // "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints…"
)

// problemClientForbidden ends the v2 problem type of a request that the
// app's access level (or project enrolment) does not allow. The docs write
// the type under api.x.com, real bodies under api.twitter.com: match the
// path.
const problemClientForbidden = "/2/problems/client-forbidden"

// APIError is an error response of the Twitter API: the HTTP status and the
// first error code and message of the body. Errors returned by Poll and
// Send wrap it, so callers can inspect the code with errors.As.
type APIError struct {
	// Endpoint is the API resource called, e.g. "statuses/update".
	Endpoint string
	// Status is the HTTP status code.
	Status int
	// Code is Twitter's error code, or 0 when the body had none (legacy
	// string errors, HTML from a proxy).
	Code int
	// Message is Twitter's message. It never holds customer text.
	Message string
	// Type is the v2 problem type URI, e.g.
	// https://api.twitter.com/2/problems/client-forbidden; "" for v1.1.
	Type string
}

// Error reports the endpoint, status, code and message.
func (e *APIError) Error() string {
	s := fmt.Sprintf("twitter %s: HTTP %d", e.Endpoint, e.Status)
	if e.Code != 0 {
		s += fmt.Sprintf(", code %d", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// errorBody is what an error response says, whatever its form.
type errorBody struct {
	code     int
	msg, typ string
}

// parseErrorBody reads an X error body in any form seen in the wild: v2's
// problem JSON ({"title","detail","type","status"}, maybe with errors[]),
// v1.1's documented {"errors":[{"code":N,"message":"…"}]} (which a v1.1
// 453 still uses), the legacy {"errors":"text"} that go-twitter cannot
// decode, and {"error":"text"}. It returns zero values for bodies it does
// not understand.
func parseErrorBody(body []byte) (code int, msg string) {
	e := parseError(body)
	return e.code, e.msg
}

// parseError is parseErrorBody with the v2 problem type.
func parseError(body []byte) errorBody {
	var env struct {
		v2Problem
		Errors json.RawMessage `json:"errors"`
		Error  string          `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return errorBody{}
	}
	out := errorBody{msg: env.v2Problem.text(), typ: env.Type}
	var list []v2Problem
	var text string
	switch {
	case json.Unmarshal(env.Errors, &list) == nil && len(list) > 0:
		// A generic title ("Invalid Request") says less than the first
		// entry, which names the parameter or resource.
		if m := list[0].text(); out.msg == "" {
			out.msg = m
		} else if m != "" && m != out.msg {
			out.msg += ": " + m
		}
		if out.typ == "" {
			out.typ = list[0].Type
		}
		out.code = list[0].Code
	case out.msg == "" && json.Unmarshal(env.Errors, &text) == nil:
		out.msg = text
	case out.msg == "":
		out.msg = env.Error
	}
	return out
}

// classify turns a failed call into the error the Runner understands:
// ErrUnauthorized for 401 and codes 32/89, *connectors.RateLimitError for
// 429 and code 88, an *APIError for other HTTP failures, and a plain
// error for network and decoding failures (outcome unknown). err is what
// go-twitter returned; ex is what the transport saw.
func classify(ep endpoint, ex *exchange, err error, now time.Time) error {
	if ex.status == 0 {
		if err == nil {
			err = errors.New("no response")
		}
		return fmt.Errorf("twitter %s: %w", ep, err)
	}
	if ex.status/100 == 2 {
		if err == nil {
			return nil
		}
		// The call succeeded on Twitter's side but the body could not be
		// read: for a send, the outcome is unknown.
		return fmt.Errorf("twitter %s: decoding response: %w", ep, err)
	}
	eb := parseError(ex.errBody)
	code, msg := eb.code, eb.msg
	if code == 0 && msg == "" {
		var ae gotwitter.APIError
		if errors.As(err, &ae) && !ae.Empty() {
			code, msg = ae.Errors[0].Code, ae.Errors[0].Message
		}
	}
	if msg == "" {
		msg = http.StatusText(ex.status)
	}
	ae := &APIError{Endpoint: string(ep), Status: ex.status, Code: code, Message: strings.TrimSpace(msg), Type: eb.typ}
	switch {
	case ex.status == http.StatusForbidden && (code == codeAccessLevel || strings.HasSuffix(eb.typ, problemClientForbidden)):
		return &connectors.ForbiddenError{
			Endpoint: "twitter " + string(ep),
			Until:    now.Add(connectors.ForbiddenWait),
			Reason:   forbiddenReason(ae),
		}
	case ex.status == http.StatusUnauthorized || code == codeBadAuth || code == codeInvalidToken:
		// Shown on /healthz and the banner as soon as it happens: say
		// what to do, not only what X answered.
		return fmt.Errorf("%w: %w; X no longer accepts the account's token or the app's keys (revoked, regenerated or expired): renew them with `inboxbot connect x`",
			connectors.ErrUnauthorized, ae)
	case ex.status == http.StatusTooManyRequests || code == codeRateLimit:
		var b budget
		b.exhaust(ex.header, now)
		return &connectors.RateLimitError{Until: b.reset, Reason: ae.Error()}
	}
	return ae
}

// refusal marks a 4xx failure of a send as final (ErrRefused): Twitter
// rejected the action itself (duplicate, not found, blocked), so retrying
// cannot help. Other errors are returned unchanged.
func refusal(err error) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && !errors.Is(err, connectors.ErrUnauthorized) {
		return fmt.Errorf("%w: %w", connectors.ErrRefused, err)
	}
	return err
}

// forbiddenReason says what an operator can do about an endpoint the
// access level lacks.
func forbiddenReason(ae *APIError) string {
	if ae.Code == codeAccessLevel {
		return fmt.Sprintf("X answered 403 code 453: this account's access level has no v1.1 %s (v1.1 is left to Enterprise contracts); set twitter.api: v2", ae.Endpoint)
	}
	return fmt.Sprintf("X refused %s for this app's access level (%s); check the app's project, its pay-per-use credits and its permissions (Read + Write + Direct Messages) in the developer console", ae.Endpoint, ae.Message)
}
