// Command inboxbot runs the social-media support inbox. main only wires
// things together: each command lives in its own file and calls into the
// packages that do the work. OS signals are handled here and nowhere else.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // a runtime failure
	exitUsage  = 2 // bad arguments or bad config
)

// env is what a command may touch of its process, so tests can run commands in process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
}

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) int
}

var commands = map[string]command{
	"init":          {"write a commented inboxbot.yaml and a secrets/ folder", cmdInit},
	"connect":       {"facebook | x: connect a platform and turn it on", cmdConnect},
	"help":          {"[COMMAND]: the commands, or one command's usage and examples", nil},
	"serve":         {"run everything: bus, store, router, connectors, web inbox", cmdServe},
	"demo":          {"run everything against simulated Facebook and Twitter", cmdDemo},
	"conversations": {"list|show ID [--json]: the queue from a terminal", cmdConversations},
	"reply":         {"ID [--private|--public] TEXT: reply through the router's guard", cmdReply},
	"close":         {"ID: close a conversation", cmdClose},
	"agents":        {"add NAME [--role agent|admin] | token NAME", cmdAgents},
	"redact":        {"redact stdin to stdout [--jsonl]", cmdRedact},
	"policy":        {"test [--jsonl] [--lang-only]: the router's decisions for stdin", cmdPolicy},
	"config":        {"check | show: validate or print (masked) the config", cmdConfig},
	"migrate":       {"bring the store's schema up to date", cmdMigrate},
	"bench":         {"measure bus → router → store throughput and latency", cmdBench},
	"version":       {"print the version", cmdVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, env{os.Stdin, os.Stdout, os.Stderr, os.Environ()}, os.Args[1:]))
}

func run(ctx context.Context, e env, args []string) int {
	switch {
	case len(args) == 0:
		usage(e.stderr)
		return exitUsage
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		return cmdHelp(ctx, e, args[1:])
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "inboxbot: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: inboxbot COMMAND [--config FILE] [flags]   (inboxbot help COMMAND: its usage and examples)")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
}
