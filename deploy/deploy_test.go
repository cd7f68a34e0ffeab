package deploy

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/inboxbot/inboxbot/metrics"
)

// tool finds a command the test needs: under CI=true its absence is a
// failure (.ci/run installs it), elsewhere a skip.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (Debian package %s; .ci/run installs it)", name, pkg)
	}
	t.Skipf("%s is not installed (apt-get install %s)", name, pkg)
	return ""
}

// TestAlertRulesPromtool: promtool accepts the rules and their unit
// tests pass (each alert fires when it should and not before).
func TestAlertRulesPromtool(t *testing.T) {
	promtool := tool(t, "promtool", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "inboxbot.rules.yml"},
		{"test", "rules", "inboxbot.rules.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// rules reads the alert rules' expressions, by alert name.
func rules(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("prometheus/inboxbot.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out[r.Alert] = r.Expr
		}
	}
	return out
}

// TestAlertRulesCoverTheIssue: the alerts operators asked for exist.
func TestAlertRulesCoverTheIssue(t *testing.T) {
	rs := rules(t)
	for _, want := range []string{
		"InboxbotConnectorUnauthorized", "InboxbotConnectorForbidden", "InboxbotConnectorRateLimited",
		"InboxbotConsumerLag", "InboxbotDeadLetters", "InboxbotActionsFailing", "InboxbotWebhookSilent",
		"InboxbotSpendBudgetReached", "InboxbotTokenExpiresSoon",
	} {
		if rs[want] == "" {
			t.Errorf("no alert %s", want)
		}
	}
}

// dashboardExprs reads every query of the Grafana dashboard.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("grafana/inboxbot.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID    string
		Panels []struct {
			ID      int
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if d.UID == "" || len(d.Panels) < 10 {
		t.Fatalf("dashboard uid %q, %d panels", d.UID, len(d.Panels))
	}
	out := map[string]string{}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		for i, tg := range p.Targets {
			out[p.Title+" #"+strconv.Itoa(i)] = tg.Expr
		}
	}
	return out
}

// selectorRE finds metric selectors in PromQL: a name, and its label
// matchers when it has any.
var selectorRE = regexp.MustCompile(`\b((?:inboxbot|process|go)_[a-z0-9_]+)(\{[^}]*\})?`)

// matcherRE finds the label names of a selector's matchers.
var matcherRE = regexp.MustCompile(`([a-z_]+)\s*(?:=~|!~|!=|=)`)

// TestEveryMetricUsedIsExported: every metric the alert rules and the
// dashboard query is one inboxbot exports (the registry of a running
// instance), with the labels they match on.
func TestEveryMetricUsedIsExported(t *testing.T) {
	series := metrics.New().Series()
	exprs := map[string]string{}
	for k, v := range rules(t) {
		exprs["rule "+k] = v
	}
	for k, v := range dashboardExprs(t) {
		exprs["dashboard "+k] = v
	}
	used := map[string]bool{}
	for where, expr := range exprs {
		found := selectorRE.FindAllStringSubmatch(expr, -1)
		if len(found) == 0 {
			t.Errorf("%s uses no inboxbot metric: %s", where, expr)
		}
		for _, m := range found {
			labels, ok := series[m[1]]
			if !ok {
				t.Errorf("%s uses %s, which inboxbot does not export", where, m[1])
				continue
			}
			used[m[1]] = true
			for _, lm := range matcherRE.FindAllStringSubmatch(m[2], -1) {
				if !slices.Contains(labels, lm[1]) {
					t.Errorf("%s matches %s on label %q, which it does not have (%v)", where, m[1], lm[1], labels)
				}
			}
		}
	}
	var names []string
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("metrics used: %s", strings.Join(names, ", "))
}

// unit reads a systemd unit file: the values of each key, by section.
func unit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not key=value in a section: %q", path, n, line)
			}
			out[section][strings.TrimSpace(k)] = append(out[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	return out
}

// TestSystemdUnit: the unit runs serve as a dynamic user with the
// hardening options, hands every secret over as a credential and points
// inboxbot at it; systemd-analyze, where installed, verifies it and
// rates its exposure.
func TestSystemdUnit(t *testing.T) {
	const path = "systemd/inboxbot.service"
	u := unit(t, path)
	svc := u["Service"]
	for key, want := range map[string]string{
		"DynamicUser": "yes", "ProtectSystem": "strict", "NoNewPrivileges": "yes", "ProtectHome": "yes",
		"PrivateTmp": "yes", "StateDirectory": "inboxbot", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes",
		"MemoryDenyWriteExecute": "yes", "UMask": "0077", "Type": "exec",
	} {
		if got := svc[key]; len(got) != 1 || got[0] != want {
			t.Errorf("[Service] %s = %q, want %q", key, got, want)
		}
	}
	if !strings.HasPrefix(svc["ExecStart"][0], "/usr/local/bin/inboxbot serve") {
		t.Errorf("ExecStart = %q", svc["ExecStart"])
	}
	env := map[string]string{}
	for _, e := range svc["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		env[k] = v
	}
	creds := map[string]string{}
	for _, lc := range svc["LoadCredential"] {
		id, p, _ := strings.Cut(lc, ":")
		creds[id] = p
	}
	// Every secret the config takes from a file is a credential, and the
	// matching *_FILE variable points into the credentials directory.
	for _, s := range []string{"facebook_page_token", "facebook_app_secret", "facebook_verify_token",
		"twitter_consumer_key", "twitter_consumer_secret", "twitter_access_token", "twitter_access_secret"} {
		if creds[s] != "/etc/inboxbot/secrets/"+s {
			t.Errorf("LoadCredential for %s = %q", s, creds[s])
		}
		v := "INBOXBOT_" + strings.ToUpper(s) + "_FILE"
		if env[v] != "%d/"+s {
			t.Errorf("%s = %q, want %%d/%s", v, env[v], s)
		}
	}
	if env["INBOXBOT_DATA_DIR"] != "%S/inboxbot" {
		t.Errorf("INBOXBOT_DATA_DIR = %q, want the state directory", env["INBOXBOT_DATA_DIR"])
	}
	if u["Install"]["WantedBy"][0] != "multi-user.target" {
		t.Errorf("WantedBy = %v", u["Install"]["WantedBy"])
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: the unit was parsed, not verified")
		return
	}
	// verify wants ExecStart to exist: a copy runs /bin/true.
	data, _ := os.ReadFile(path)
	cp := filepath.Join(t.TempDir(), "inboxbot.service")
	if err := os.WriteFile(cp, []byte(strings.ReplaceAll(string(data), "/usr/local/bin/inboxbot", "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", cp).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command(analyze, "security", "--offline=true", cp).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+) (\S+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Logf("systemd-analyze security --offline is not available here: %v", err)
		return
	}
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 2.0 {
		t.Errorf("exposure level %s (%s), want at most 2.0", m[1], m[2])
	}
	t.Logf("systemd-analyze security: exposure %s %s", m[1], m[2])
}
