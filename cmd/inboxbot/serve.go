package main

import (
	"context"

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
	if err := a.Run(ctx); err != nil {
		return fail(e, "%v", err)
	}
	return exitOK
}
