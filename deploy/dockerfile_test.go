package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/internal/testutil"
)

// makeVar reads a variable of the Makefile.
func makeVar(t *testing.T, name string) string {
	t.Helper()
	v, err := testutil.MakefileVar(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDockerfileBuildsTheStaticBinary: the image is the Makefile's static
// build (the same tags and link flags) on a distroless base, as a
// non-root user, and `make image` builds it. cmd/inboxbot's
// TestStaticBinary builds that binary with the Makefile's flags, starts
// it and probes /healthz (the end-to-end tests share the build).
func TestDockerfileBuildsTheStaticBinary(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	tags, ldflags := makeVar(t, "STATIC_TAGS"), makeVar(t, "STATIC_LDFLAGS")
	for _, want := range []string{
		"CGO_ENABLED=1", "-tags " + tags, ldflags, "./cmd/inboxbot",
		"FROM gcr.io/distroless/static-debian12:nonroot", "USER 65532:65532", `CMD ["serve"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	for _, tag := range []string{"osusergo", "netgo", "sqlite_omit_load_extension"} {
		if !strings.Contains(tags, tag) {
			t.Errorf("STATIC_TAGS %q lacks %s", tags, tag)
		}
	}
	mk, _ := os.ReadFile("../Makefile")
	if !regexp.MustCompile(`(?m)^image:\n\tdocker build -f deploy/Dockerfile`).Match(mk) {
		t.Error("the Makefile has no image target building deploy/Dockerfile")
	}
}
