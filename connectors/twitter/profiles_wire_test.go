package twitter

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/inboxbot/inboxbot/store"
)

// The documented users lookup answers (testdata/v2, sources in its
// README) through the profile decoder.
func TestDecodeV2ProfilesRecorded(t *testing.T) {
	for _, tc := range []struct {
		file     string
		ids      []string
		want     []store.Profile
		returned int
	}{
		{"users_lookup.response.json", []string{"2244994945", "6253282", "999"}, []store.Profile{
			{ExternalID: "2244994945", Handle: "TwitterDev", Name: "Twitter Dev"},
			{ExternalID: "6253282", Handle: "TwitterAPI", Name: "Twitter API"},
		}, 3},
		{"users_lookup.partial_errors.response.json", []string{"2244994945", "1234567890"}, []store.Profile{
			{ExternalID: "2244994945", Handle: "XDevelopers"},
			{ExternalID: "1234567890", Gone: true},
		}, 1},
	} {
		body, err := os.ReadFile(filepath.Join("testdata", "v2", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		got, returned, err := decodeV2Profiles(body, tc.ids)
		if err != nil || returned != tc.returned || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v (%d billed), %v\nwant %+v (%d)", tc.file, got, returned, err, tc.want, tc.returned)
		}
	}
	body, err := os.ReadFile(filepath.Join("testdata", "v2", "users_me.response.json"))
	if err != nil {
		t.Fatal(err)
	}
	// users/me's single object is no lookup answer: a clear error.
	if _, _, err := decodeV2Profiles(body, []string{"2244994945"}); err == nil {
		t.Error("a single user object decoded as a lookup")
	}
}

// FuzzDecodeV2Profiles: any body decodes or fails cleanly, and never
// answers for an id that was not asked.
func FuzzDecodeV2Profiles(f *testing.F) {
	for _, name := range []string{"users_lookup.response.json", "users_lookup.partial_errors.response.json", "error_partial_200.response.json"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "v2", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ids := []string{"2244994945", "1234567890"}
		got, _, err := decodeV2Profiles(body, ids)
		if err != nil {
			return
		}
		for _, p := range got {
			if p.ExternalID != ids[0] && p.ExternalID != ids[1] {
				t.Fatalf("answered for %q", p.ExternalID)
			}
		}
	})
}
