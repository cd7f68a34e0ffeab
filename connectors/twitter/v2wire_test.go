package twitter

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/inbox"
)

// The recorded v2 payloads (testdata/v2, sources in its README) through
// the decoders and the error classification.

func TestV2MentionsRecorded(t *testing.T) {
	p, err := decodeV2Tweets(readFixture(t, "v2/mentions.response.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data) != 1 || p.Meta.NextToken == "" {
		t.Fatalf("page %+v", p)
	}
	in, skip := v2Mention(&p.Data[0], &p.Includes, "2244994945")
	want := inbox.Author{ID: "1234567890", Handle: "developer", Name: "Dev Person"}
	if skip != "" || in.ExternalID != "1301573587187331074" || in.Author != want || in.Text != "Hey @XDevelopers, love the new API!" ||
		!in.CreatedAt.Equal(time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)) || in.Kind != inbox.Mention || in.Thread != want.ID {
		t.Errorf("mention %+v (skip %q)", in, skip)
	}
	empty, err := decodeV2Tweets(readFixture(t, "v2/mentions.empty.response.json"))
	if err != nil || len(empty.Data) != 0 {
		t.Errorf("empty page: %+v %v", empty, err)
	}
	if _, err := decodeV2Tweets([]byte(`{"errors":[{"detail":"Could not find user with id: [1]."}]}`)); !errors.Is(err, errV2Page) {
		t.Errorf("a 200 with only errors: %v", err)
	}
}

func TestV2DMsRecorded(t *testing.T) {
	p, err := decodeV2DMs(readFixture(t, "v2/dm_events.response.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data) < 2 {
		t.Fatalf("%d events", len(p.Data))
	}
	// The account is the other participant of 944480690-906948460078698496.
	in, skip := v2DM(&p.Data[0], &p.Includes, "906948460078698496")
	if skip != "" || in.ExternalID != "1585047616894574596" || in.Author.ID != "944480690" || in.Recipient != "906948460078698496" ||
		in.Text != "Hello, just you!" || in.Kind != inbox.DM {
		t.Errorf("DM %+v (skip %q)", in, skip)
	}
	if _, skip := v2DM(&p.Data[0], &p.Includes, "944480690"); skip != skipOwn {
		t.Errorf("our own DM: skip %q", skip)
	}
	if m := v2MarkOf(&p.Data[0]); !m.after(v2MarkOf(&p.Data[1])) {
		t.Error("the list is newest first; marks disagree")
	}
	exp, err := decodeV2DMs(readFixture(t, "v2/dm_events.expansion.response.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The sample has no created_at and an id too small to date: it
	// cannot be placed in time, so it is skipped as malformed, not
	// published with a made-up time.
	if _, skip := v2DM(&exp.Data[0], &exp.Includes, "1"); skip != skipMalformed {
		t.Errorf("undatable DM: skip %q", skip)
	}
	if u := exp.Includes.user("9876543210"); u == nil || u.Username != "example_user" {
		t.Errorf("sender in includes: %+v", u)
	}
}

func TestV2ErrorsRecorded(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		file   string
		status int
		check  func(error) bool
		want   string
	}{
		{"error_401.response.json", 401, func(err error) bool { return errors.Is(err, connectors.ErrUnauthorized) }, "Unauthorized"},
		{"error_429.observed_problem.response.json", 429, func(err error) bool { return errors.Is(err, connectors.ErrRateLimited) }, "Too Many Requests"},
		{"error_429.response.json", 429, func(err error) bool { return errors.Is(err, connectors.ErrRateLimited) }, "Rate limit exceeded"},
		{"error_403_453_v11.response.json", 403, func(err error) bool { return errors.Is(err, connectors.ErrForbidden) }, "453"},
		{"error_403_client_forbidden.response.json", 403, func(err error) bool { return errors.Is(err, connectors.ErrForbidden) }, "approved developer account"},
		{"error_duplicate.response.json", 403, func(err error) bool { return errors.Is(refusal(err), connectors.ErrRefused) }, "duplicate content"},
		{"error_reply_not_allowed.response.json", 403, func(err error) bool { return errors.Is(refusal(err), connectors.ErrRefused) }, "not been mentioned"},
		{"error_400_invalid_request.response.json", 400, func(err error) bool { return errors.Is(refusal(err), connectors.ErrRefused) }, ""},
	} {
		ex := &exchange{status: tt.status, header: http.Header{}, errBody: readFixture(t, "v2/"+tt.file)}
		err := classify(v2Endpoints.mentions, ex, nil, now)
		if !tt.check(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v (%T)", tt.file, err, err)
		}
		var fe *connectors.ForbiddenError
		if errors.As(err, &fe) && fe.Until.Sub(now) != connectors.ForbiddenWait {
			t.Errorf("%s: next try in %s", tt.file, fe.Until.Sub(now))
		}
	}
}
