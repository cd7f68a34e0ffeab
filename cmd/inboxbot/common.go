package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/logging"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// flags returns a FlagSet for a command, with --config registered.
func flags(name string, e env) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("inboxbot "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	// -h prints the command's page (help.go), then its flags.
	fs.Usage = func() {
		writeHelp(fs.Output(), name)
		fmt.Fprintln(fs.Output(), "\nflags:")
		fs.PrintDefaults()
	}
	cfgPath := fs.String("config", "", "config file (default ./"+config.DefaultFile+" if present)")
	return fs, cfgPath
}

// parse parses args, allowing flags after positional arguments
// ("show 12 --json"), and reports whether to go on.
func parse(fs *flag.FlagSet, args []string) (positional []string, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// loadConfig loads the config, printing every problem by key on failure.
func loadConfig(e env, path string) (config.Config, bool) {
	cfg, err := config.Load(config.Find(path), e.environ)
	if err != nil {
		var ps config.Problems
		if errors.As(err, &ps) {
			fmt.Fprintln(e.stderr, "inboxbot: invalid config:")
			for _, p := range ps {
				fmt.Fprintf(e.stderr, "  %s\n", p)
			}
		} else {
			fmt.Fprintf(e.stderr, "inboxbot: %v\n", err)
		}
		return cfg, false
	}
	return cfg, true
}

// logger builds the process logger from the config.
func logger(w io.Writer, cfg config.Config) *slog.Logger {
	return logging.New(w, cfg.Log.Format, cfg.Log.SlogLevel(), cfg.Secrets())
}

func fail(e env, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "inboxbot: "+format+"\n", a...)
	return exitFailed
}
