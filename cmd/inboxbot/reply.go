package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/agent"
)

// cmdReply asks the running instance (at http.addr) to queue a reply, with
// a one-minute token of the agent, so the reply takes the same path as one
// from the web inbox: the service layer, the router's guard, OUTBOUND and
// the connector. Nothing is sent from this process.
func cmdReply(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("reply", e)
	private := fs.Bool("private", false, "reply privately (the default)")
	public := fs.Bool("public", false, "reply in the public thread")
	as := fs.String("as", os.Getenv("USER"), "the agent who replies")
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) < 2 || (*private && *public) {
		return usageErr(e, errors.New("usage: inboxbot reply ID [--private|--public] [--as AGENT] TEXT"))
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usageErr(e, fmt.Errorf("conversation id %q is not a number", pos[0]))
	}
	text := strings.Join(pos[1:], " ")
	svc, st, cfg, code := openDesk(ctx, e, *cfgPath)
	if code != exitOK {
		return code
	}
	defer st.Close()
	tok, revoke, err := svc.TemporaryToken(ctx, *as, time.Minute)
	if err != nil {
		return fail(e, "%v (create the agent with: inboxbot agents add NAME)", err)
	}
	defer revoke()

	body, _ := json.Marshal(map[string]any{"text": text, "public": *public})
	scheme := "http"
	if cfg.HTTP.TLS() {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s/api/conversations/%d/reply", scheme, cfg.HTTP.Addr, id)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fail(e, "%v", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fail(e, "reaching the running instance at %s (is `inboxbot serve` running?): %v", cfg.HTTP.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		var apiErr struct{ Error, Code, Reason, Assignee string }
		_ = json.NewDecoder(resp.Body).Decode(&apiErr)
		msg := apiErr.Error
		if apiErr.Reason != "" {
			msg = "refused: " + apiErr.Reason
		}
		if msg == "" {
			msg = resp.Status
		}
		return fail(e, "reply not queued: %s", msg)
	}
	var a agent.ActionView
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return fail(e, "reading the reply's action: %v", err)
	}
	fmt.Fprintf(e.stdout, "queued %s %s (action %d, %s)\n", visibilityOf(a), a.Kind, a.ID, a.State)
	return exitOK
}

func visibilityOf(a agent.ActionView) string {
	if a.Public() {
		return "public"
	}
	return "private"
}
