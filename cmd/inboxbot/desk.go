package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

// openDesk loads the config and opens the store and the agents' service
// layer for a CLI command. The caller closes the store.
func openDesk(ctx context.Context, e env, cfgPath string) (*agent.Service, store.Store, config.Config, int) {
	cfg, ok := loadConfig(e, cfgPath)
	if !ok {
		return nil, nil, cfg, exitUsage
	}
	st, err := sqlstore.Open(ctx, cfg.Store)
	if err != nil {
		return nil, nil, cfg, fail(e, "opening store: %v", err)
	}
	return agent.NewService(st, nil, agent.WithRedactor(cfg.Policy.Redactor())), st, cfg, exitOK
}

func writeJSON(e env, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(e, "writing JSON: %v", err)
	}
	return exitOK
}

func cmdConversations(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("conversations", e)
	asJSON := fs.Bool("json", false, "print JSON")
	var f store.Filter
	platform := fs.String("platform", "", "facebook or twitter")
	channel := fs.String("channel", "", "public or private")
	status := fs.String("status", "", "open, pending or closed")
	fs.StringVar(&f.Language, "language", "", "language code, e.g. en")
	fs.StringVar(&f.Flag, "flag", "", "a flag, e.g. pii_redacted")
	fs.StringVar(&f.Assignee, "assignee", "", `agent name, or "-" for unassigned`)
	fs.IntVar(&f.Limit, "limit", 50, "page size (at most 500)")
	fs.IntVar(&f.Offset, "offset", 0, "conversations to skip")
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	f.Platform, f.Channel, f.Status = inbox.Platform(*platform), inbox.Channel(*channel), inbox.Status(*status)
	if len(pos) == 0 || (pos[0] == "list" && len(pos) != 1) || (pos[0] == "show" && len(pos) != 2) || (pos[0] != "list" && pos[0] != "show") {
		return usageErr(e, errors.New("usage: inboxbot conversations list [filters] [--json] | show ID [--json]"))
	}
	svc, st, _, code := openDesk(ctx, e, *cfgPath)
	if code != exitOK {
		return code
	}
	defer st.Close()
	if pos[0] == "list" {
		page, err := svc.ListConversations(ctx, f)
		if err != nil {
			return fail(e, "%v", err)
		}
		if *asJSON {
			return writeJSON(e, page.Conversations)
		}
		if err := agent.WriteConversationTable(e.stdout, page.Conversations); err != nil {
			return fail(e, "%v", err)
		}
		fmt.Fprintf(e.stdout, "%d of %d\n", len(page.Conversations), page.Total)
		return exitOK
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil {
		return usageErr(e, fmt.Errorf("conversation id %q is not a number", pos[1]))
	}
	d, err := svc.ShowConversation(ctx, id)
	if err != nil {
		return fail(e, "%v", err)
	}
	if *asJSON {
		return writeJSON(e, d)
	}
	if err := agent.WriteConversation(e.stdout, d); err != nil {
		return fail(e, "%v", err)
	}
	return exitOK
}

func cmdClose(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("close", e)
	as := fs.String("as", "cli", "the agent closing it, recorded in the audit trail; a conversation someone holds may be closed only by its holder or an admin")
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 {
		return usageErr(e, errors.New("usage: inboxbot close ID [--as AGENT] (a held conversation: its holder or an admin)"))
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usageErr(e, fmt.Errorf("conversation id %q is not a number", pos[0]))
	}
	svc, st, _, code := openDesk(ctx, e, *cfgPath)
	if code != exitOK {
		return code
	}
	defer st.Close()
	if _, err := svc.Close(ctx, *as, id); err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "conversation %d closed\n", id)
	return exitOK
}

func cmdAgents(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("agents", e)
	role := fs.String("role", "", "agent or admin (default agent; admin for the first agent when there is no admin)")
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 2 || (pos[0] != "add" && pos[0] != "token") {
		return usageErr(e, errors.New("usage: inboxbot agents add NAME [--role agent|admin] | token NAME"))
	}
	svc, st, _, code := openDesk(ctx, e, *cfgPath)
	if code != exitOK {
		return code
	}
	defer st.Close()
	name := pos[1]
	if pos[0] == "add" {
		r, promoted := *role, false
		if r == "" {
			// Someone must be able to open the Agents page: the first
			// agent of a team without an admin is one.
			none, err := noAdmin(ctx, svc)
			if err != nil {
				return fail(e, "%v", err)
			}
			r, promoted = agent.RoleAgent, none
			if none {
				r = agent.RoleAdmin
			}
		}
		pw, err := svc.AddAgent(ctx, name, r)
		if err != nil {
			return fail(e, "%v", err)
		}
		fmt.Fprintf(e.stdout, "agent %s (%s) created\none-time password: %s\n", name, r, pw)
		if promoted {
			fmt.Fprintf(e.stdout, "There was no admin, so %s is an admin: admins open the Agents page and add the rest of the team.\n", name)
		}
		return exitOK
	}
	tok, err := svc.Token(ctx, name)
	if err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "%s\n", tok)
	return exitOK
}

// noAdmin reports whether no enabled admin exists.
func noAdmin(ctx context.Context, svc *agent.Service) (bool, error) {
	agents, err := svc.Agents(ctx)
	if err != nil {
		return false, err
	}
	for _, a := range agents {
		if a.Role == agent.RoleAdmin && !a.Disabled {
			return false, nil
		}
	}
	return true, nil
}
