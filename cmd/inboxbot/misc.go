package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/inboxbot/inboxbot/store/sqlstore"
)

func usageErr(e env, err error) int {
	fmt.Fprintf(e.stderr, "inboxbot: %v\n", err)
	return exitUsage
}

func cmdVersion(_ context.Context, e env, _ []string) int {
	fmt.Fprintf(e.stdout, "inboxbot %s (%s)\n", version, runtime.Version())
	return exitOK
}

func cmdConfig(_ context.Context, e env, args []string) int {
	fs, cfgPath := flags("config", e)
	pos, ok := parse(fs, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 || (pos[0] != "check" && pos[0] != "show") {
		return usageErr(e, fmt.Errorf("usage: inboxbot config check|show [--config FILE]"))
	}
	cfg, ok := loadConfig(e, *cfgPath)
	if !ok {
		return exitUsage
	}
	if pos[0] == "show" {
		fmt.Fprint(e.stdout, cfg.YAML())
		return exitOK
	}
	fmt.Fprintln(e.stdout, "config ok")
	return exitOK
}

func cmdMigrate(ctx context.Context, e env, args []string) int {
	fs, cfgPath := flags("migrate", e)
	if _, ok := parse(fs, args); !ok {
		return exitUsage
	}
	cfg, ok := loadConfig(e, *cfgPath)
	if !ok {
		return exitUsage
	}
	st, err := sqlstore.Open(ctx, cfg.Store)
	if err != nil {
		return fail(e, "opening store: %v", err)
	}
	defer st.Close()
	v, err := st.Migrate(ctx)
	if err != nil {
		return fail(e, "migrating: %v", err)
	}
	fmt.Fprintf(e.stdout, "store schema at version %d\n", v)
	return exitOK
}

func cmdRedact(_ context.Context, e env, args []string) int {
	fs, cfgPath := flags("redact", e)
	jsonl := fs.Bool("jsonl", false, `read {"text": …} lines, write {"text", "findings"} lines`)
	if _, ok := parse(fs, args); !ok {
		return exitUsage
	}
	// The policy's redactor: it spares the company's own phone number.
	cfg, ok := loadConfig(e, *cfgPath)
	if !ok {
		return exitUsage
	}
	rd := cfg.Policy.Redactor()
	var (
		err       error
		malformed int
	)
	if *jsonl {
		malformed, err = rd.CopyJSONLCounted(e.stdout, e.stdin)
	} else {
		err = rd.Copy(e.stdout, e.stdin)
	}
	if err != nil {
		return fail(e, "redacting: %v", err)
	}
	if malformed > 0 {
		// Every other line was written; the run still failed.
		return fail(e, "%d input line(s) were not {\"text\": …} objects; each got an {\"error\"} line", malformed)
	}
	return exitOK
}
