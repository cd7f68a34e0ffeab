package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// initDir runs init into a new directory and returns the config path.
func initDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, errs := runCmd(t, nil, "", "init", "--dir", dir, "--yes"); code != exitOK {
		t.Fatalf("init: %s", errs)
	}
	return filepath.Join(dir, "inboxbot.yaml")
}

// TestConnectFacebookNamesMissingPermissions: a token without some of
// the permissions inboxbot needs is refused with Meta's names for them
// and what each is for, and nothing is changed.
func TestConnectFacebookNamesMissingPermissions(t *testing.T) {
	fb := fbfake.New(fbfake.Options{PageID: "1000", AppID: "4242", AppSecret: "app-secret"})
	defer fb.Close()
	cfg := initDir(t)
	before, _ := os.ReadFile(cfg)
	environ := []string{"INBOXBOT_FACEBOOK_GRAPH_URL=" + fb.URL()}
	tok := testutil.WriteFile(t, "token", fb.UserToken("pages_show_list", "pages_messaging", "pages_read_engagement", "pages_manage_metadata"))
	secret := testutil.WriteFile(t, "secret", "app-secret")
	code, out, errs := runCmd(t, environ, "", "connect", "facebook", "--config", cfg, "--app-id", "4242", "--app-secret-file", secret, "--token-file", tok)
	if code != exitFailed {
		t.Fatalf("connect with missing permissions: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"lacks these permissions (Meta's names)", "pages_read_user_content", "pages_manage_engagement", "hide comments that show a booking number", "Nothing was changed"} {
		if !strings.Contains(errs, want) {
			t.Errorf("output lacks %q:\n%s", want, errs)
		}
	}
	for _, granted := range []string{"  pages_messaging ", "  pages_show_list "} {
		if strings.Contains(errs, granted) {
			t.Errorf("a granted permission is named missing:\n%s", errs)
		}
	}
	if after, _ := os.ReadFile(cfg); string(after) != string(before) {
		t.Error("the config changed")
	}
	if len(fb.SubscribedFields()) != 0 {
		t.Error("the app was subscribed anyway")
	}
	// A token Meta does not know is refused before anything else.
	bad := testutil.WriteFile(t, "bad", "EAAnot-a-token")
	if code, _, errs := runCmd(t, environ, "", "connect", "facebook", "--config", cfg, "--app-id", "4242", "--app-secret-file", secret, "--token-file", bad); code != exitFailed || !strings.Contains(errs, "not valid") {
		t.Errorf("an unknown token: %d %s", code, errs)
	}
}

// TestConnectFacebookPicksThePage: --page chooses among several Pages;
// the token is stored in the file the config names, the config turns
// Facebook on with the Page and the app id, and the verify token is made.
func TestConnectFacebookPicksThePage(t *testing.T) {
	fb := fbfake.New(fbfake.Options{PageID: "1000", PageName: "Hotel Help", Token: "EAApage", AppID: "4242", AppSecret: "app-secret"})
	defer fb.Close()
	fb.AddManagedPage("0500", "Other Page")
	cfg := initDir(t)
	environ := []string{"INBOXBOT_FACEBOOK_GRAPH_URL=" + fb.URL()}
	tok := testutil.WriteFile(t, "token", fb.UserToken())
	// The app secret is pasted when asked.
	code, out, errs := runCmd(t, environ, "app-secret\n", "connect", "facebook", "--config", cfg, "--app-id", "4242", "--page", "1000", "--token-file", tok)
	if code != exitOK {
		t.Fatalf("connect: %d\n%s\n%s", code, out, errs)
	}
	c, err := loadTestConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fc := c.Facebook
	if !fc.Enabled || fc.PageID != "1000" || fc.AppID != "4242" || fc.PageToken != "EAApage" || fc.AppSecret != "app-secret" || len(fc.VerifyToken) < 20 {
		t.Errorf("facebook config after connect: %+v", fc)
	}
	if code, _, errs := runCmd(t, environ, "", "connect", "facebook", "--config", cfg, "--page", "9999", "--token-file", tok); code != exitFailed || !strings.Contains(errs, "does not manage Page 9999") {
		t.Errorf("an unknown Page: %d %s", code, errs)
	}
}

func TestConnectNeedsAConfigFile(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	if code, _, errs := runCmd(t, nil, "", "connect", "x"); code != exitFailed || !strings.Contains(errs, "inboxbot init") {
		t.Errorf("connect without a config file: %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, nil, "", "connect", "myspace"); code != exitUsage || !strings.Contains(errs, "usage: inboxbot connect") {
		t.Errorf("connect myspace: %d %s", code, errs)
	}
}

// loadTestConfig loads a config file with no environment.
func loadTestConfig(path string) (config.Config, error) { return config.Load(path, nil) }
