package facebook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// FuzzParseWebhook feeds arbitrary bodies to the webhook parser: it must
// never panic, only a body that is not JSON may be an error, and every
// item it returns, once a look-up has given it its thread, must be a
// valid Inbound of this Page, in Graph's whole seconds, oldest first.
func FuzzParseWebhook(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "webhook", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"object":"page","entry":[{"id":"1000","messaging":[{"sender":{"id":"1"},"timestamp":"1764526800000","message":{"mid":"m_1","attachments":[{"type":"sticker","payload":{"sticker_id":"12"}},{"type":"image"}]}}]}]}`))
	f.Add([]byte(`{"object":"page","entry":[{"id":"1000","changes":[{"field":"feed","value":{"item":"comment","verb":"add","post_id":"1000_1","comment_id":"1_2","from":{"id":"9"},"created_time":1e9,"published":"0"}}]}]}`))
	f.Add([]byte(`{"object":"page","entry":[{"id":"1000","changes":[{"field":"feed","value":{"item":"status","verb":"edited","post_id":"1000_1","from":{"id":"9"},"created_time":-62135596800}}]},null,{}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := parseWebhook(body, testPage)
		if err != nil {
			return
		}
		var last time.Time
		for _, it := range d.items {
			in := it.in
			switch {
			case in.Kind == inbox.Message && (it.psid == "" || it.post != "" || in.Thread != ""):
				t.Fatalf("message without its look-up: %+v", it)
			case in.Kind == inbox.Comment && (it.post == "" || it.psid != ""):
				t.Fatalf("comment without its look-up: %+v", it)
			case in.Kind == inbox.Post && in.Thread != in.ExternalID:
				t.Fatalf("post thread %q", in.Thread)
			}
			if in.Thread == "" {
				in.Thread = "looked-up"
			}
			if err := in.Validate(); err != nil {
				t.Fatalf("invalid item %+v: %v", in, err)
			}
			if in.Recipient != testPage || in.Author.ID == testPage || in.CreatedAt.Location() != time.UTC || in.CreatedAt.Nanosecond() != 0 {
				t.Fatalf("item %+v", in)
			}
			if in.CreatedAt.Before(last) {
				t.Fatal("items not oldest first")
			}
			last = in.CreatedAt
			for _, a := range in.Attachments {
				if a == (inbox.Attachment{}) {
					t.Fatal("empty attachment reference")
				}
			}
		}
	})
}

// FuzzParseTime feeds arbitrary strings to the Graph time parser: it must
// never panic, and what it accepts is a plausible UTC time that Graph's
// own format writes back and reads again unchanged.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-11-30T18:20:00+0000", "2021-02-13T10:04:31+0200", "2021-02-13T11:04:31+01:00", "2021-02-13T10:04:31Z",
		"2021-02-13T10:04:31.123456789Z", "0001-01-01T00:00:00+0000", "9999-12-31T23:59:59-2359", "2026-02-30T00:00:00+0000",
		"2026-11-30T18:20:00+00", "2026-11-30 18:20:00", "1764526800", "", "\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseTime(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "unparseable time") && !strings.HasPrefix(err.Error(), "implausible time") {
				t.Fatalf("error %q", err)
			}
			if strings.Contains(err.Error(), s) && len(s) > 4 {
				t.Fatalf("the error quotes the payload: %q", err)
			}
			return
		}
		if tm.Location() != time.UTC || tm.Year() < 2004 || tm.Year() > 9999 {
			t.Fatalf("parseTime(%q) = %v", s, tm)
		}
		back, err := parseTime(tm.Format(graphTimeLayout))
		if err != nil || !back.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("%q → %v → %q → %v, %v", s, tm, tm.Format(graphTimeLayout), back, err)
		}
	})
}
