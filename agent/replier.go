package agent

import (
	"errors"
	"strings"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/router"
)

// ReplyRequest is one agent reply for the reply guard. It is the router's
// type, so that *router.Router is a Replier as it is.
type ReplyRequest = router.ReplyRequest

// isRefusal reports whether the guard refused the reply (as opposed to
// failing to queue it), so that the agent sees 422 and the reason.
func isRefusal(err error) bool {
	return errors.Is(err, router.ErrRefused) || errors.Is(err, ErrRefused)
}

// refusalReason extracts the reason for the agent from a refusal of the
// reply guard (router.ErrRefused) or of a platform rule
// (connectors.ErrRefused), dropping the sentinel's prefix.
func refusalReason(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{router.ErrRefused, ErrRefused, connectors.ErrRefused} {
		if i := strings.Index(msg, sentinel.Error()+": "); i >= 0 {
			return msg[i+len(sentinel.Error())+2:]
		}
	}
	return msg
}
