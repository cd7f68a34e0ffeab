package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/inboxbot/inboxbot/agent"
	"github.com/inboxbot/inboxbot/app"
)

func cmdServe(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("serve", e)
	role := fs.String("role", "all", "parts to run: all, connectors, router or web")
	if _, ok := parse(fs, args); !ok {
		return exitUsage
	}
	r, err := app.ParseRole(*role)
	if err != nil {
		return usageErr(e, err)
	}
	cfg, ok := loadConfig(e, *cfgPath)
	if !ok {
		return exitUsage
	}
	log := logger(e.stderr, cfg)
	a, err := app.Open(ctx, cfg, r, log)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer a.Close()
	printSetupLink(ctx, e, a, log)
	if err := a.Run(ctx); err != nil {
		return fail(e, "%v", err)
	}
	return exitOK
}

// printSetupLink prints, on the console only (never in the log, which
// may be shipped elsewhere), the one-time link that creates the first
// admin when there is no agent yet.
func printSetupLink(ctx context.Context, e env, a *app.App, log *slog.Logger) {
	link, err := a.SetupLink(ctx)
	switch {
	case err != nil:
		log.Error("making the admin set-up link", "err", err)
		return
	case link == "":
		return
	}
	fmt.Fprintf(e.stderr, "\nNo agent exists yet. Open this link within %d minutes to create the first admin (it works once):\n\n    %s\n\n"+
		"(Or: inboxbot agents add NAME. A new link is printed at each start while there is no agent.)\n\n",
		int(agent.SetupTTL.Minutes()), link)
	log.Info("no agent yet: a one-time set-up link for the first admin is printed on the console", "valid_minutes", int(agent.SetupTTL.Minutes()))
}
