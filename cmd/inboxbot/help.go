package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// help is one command's usage page: `inboxbot help COMMAND` and
// `inboxbot COMMAND -h` print it, then the command's flags.
type help struct {
	// usage is the synopsis, without "inboxbot ".
	usage string
	// about says what the command does, in a few lines.
	about string
	// examples are command lines (without "inboxbot "), each with a
	// comment after "#" when it needs one.
	examples []string
}

// helps are the usage pages, by command.
var helps = map[string]help{
	"init": {
		usage: "init [--dir D] [--http-addr HOST:PORT] [--public-url URL] [--data-dir DIR] [--yes] [--force]",
		about: "Writes a commented inboxbot.yaml into D (default: the current directory) and a secrets/ folder\n" +
			"(mode 0700) with an empty file (mode 0600) for each secret. It asks what it needs unless the\n" +
			"flag is given or --yes takes the defaults. No secret is ever written into the YAML file.\n" +
			"Then: `inboxbot serve`, open the set-up link it prints, and connect the platforms.",
		examples: []string{
			"init                                   # answer the questions",
			"init --dir /etc/inboxbot --public-url https://inbox.example.com/ --yes",
		},
	},
	"connect": {
		usage: "connect facebook|x [--config FILE] [flags]",
		about: "Connects a platform and turns it on in the config file (no hand edits): the secrets go into\n" +
			"the files the *_file settings name.\n" +
			"facebook: takes a user access token (pasted, or --token-file) from the Graph API Explorer,\n" +
			"exchanges it for a long-lived one, lists the Pages you manage, stores the chosen Page's token\n" +
			"(which then does not expire), checks its permissions with debug_token and says exactly which\n" +
			"are missing, and subscribes the app to the Page's messages and feed webhooks.\n" +
			"x: runs X's OAuth 1.0a PIN flow (open the printed page as the support account, approve, type\n" +
			"the PIN), checks the token with GET /2/users/me and stores it.\n" +
			"With http.public_url set, both also register their webhook there once `serve` runs with the\n" +
			"platform enabled (restart serve, then run the command again with --webhook-only).",
		examples: []string{
			"connect facebook --app-id 1234567890 --token-file ~/user-token.txt",
			"connect facebook --page 112233445566   # when you manage several Pages",
			"connect x                              # prints the page to approve, then asks for the PIN",
			"connect x --webhook-only               # after restarting serve: register the webhook",
		},
	},
	"serve": {
		usage: "serve [--role all|connectors|router|web] [--config FILE]",
		about: "Runs inboxbot: the bus, the store, the router, the connectors and the web inbox, or one role\n" +
			"of a scaled-out deployment. With no agent yet it prints a one-time link (valid 15 minutes)\n" +
			"that creates the first admin. SIGINT or SIGTERM stop it within a few seconds.",
		examples: []string{
			"serve",
			"serve --role web --config /etc/inboxbot/inboxbot.yaml",
		},
	},
	"demo": {
		usage: "demo [--data-dir DIR] [--rate N/min] [--seed S] [--addr HOST:PORT] [--config FILE]",
		about: "Runs the whole of inboxbot against simulated Facebook and X, with scripted customers.",
		examples: []string{
			"demo",
			"demo --rate 60/min --seed 7 --addr 127.0.0.1:9090",
		},
	},
	"conversations": {
		usage: "conversations list [--platform P] [--channel C] [--status S] [--language L] [--flag F] [--assignee A] [--limit N] [--offset N] [--json] | show ID [--json]",
		about: "The queue from a terminal, oldest unanswered customer message first.",
		examples: []string{
			"conversations list --platform twitter --flag non_english",
			"conversations show 42 --json",
		},
	},
	"reply": {
		usage: "reply ID [--private|--public] --as AGENT TEXT",
		about: "Replies through the running instance's reply guard, which refuses secrets in public.",
		examples: []string{
			`reply 42 --private --as ana "Sorry about that, we have fixed your booking."`,
		},
	},
	"close": {
		usage:    "close ID [--as AGENT]",
		about:    "Closes a conversation (one someone holds: as its holder or an admin).",
		examples: []string{"close 42 --as ana"},
	},
	"agents": {
		usage: "agents add NAME [--role agent|admin] | token NAME",
		about: "Adds an agent with a one-time password, or makes an API token. The first agent added when\n" +
			"there is no admin is made an admin (and told so), so that someone can open the Agents page.",
		examples: []string{
			"agents add ana",
			"agents add bo --role admin",
			"agents token ana                       # for curl -H 'Authorization: Bearer …'",
		},
	},
	"redact": {
		usage: "redact [--jsonl] [--config FILE] < INPUT",
		about: "Redacts booking numbers, PINs and card numbers from stdin to stdout. With --jsonl each line\n" +
			"is {\"text\": …} and becomes {\"text\", \"findings\"}; a malformed line becomes {\"error\"} and,\n" +
			"once every line is done, the command exits 1.",
		examples: []string{
			"redact < export.txt > export.redacted.txt",
			`echo '{"text":"my PIN is 4321"}' | inboxbot redact --jsonl`,
		},
	},
	"policy": {
		usage: "policy test [--lang-only] [--config FILE] < items.jsonl",
		about: "Prints the router's decisions for the items on stdin, one JSON line each, sending nothing.\n" +
			"Each input line is an item {\"platform\", \"kind\", \"text\", \"lang\"?, \"author\"?}:\n" +
			"  platform twitter: kind mention (public) or dm (private)\n" +
			"  platform facebook: kind message (private), comment or post (public)\n" +
			"lang is the platform's language hint (X's lang), author a user id or {\"id\",\"handle\",\"name\"}.\n" +
			"See the README (policy test) for every field.",
		examples: []string{
			`echo '{"platform":"twitter","kind":"mention","text":"ciao, la mia prenotazione?"}' | inboxbot policy test`,
			"policy test --lang-only < tweets.jsonl",
		},
	},
	"config": {
		usage: "config check|show [--config FILE]",
		about: "check exits 0, or 2 with every problem listed by key; show prints the effective config with\n" +
			"secrets masked.",
		examples: []string{"config check --config /etc/inboxbot/inboxbot.yaml", "config show"},
	},
	"migrate": {
		usage:    "migrate [--config FILE]",
		about:    "Brings the store's schema up to date (serve does it too when it starts).",
		examples: []string{"migrate"},
	},
	"bench": {
		usage:    "bench [--n N] [--rate R] [--language=false] [--json] [--cpuprofile FILE]",
		about:    "Measures bus → router → store throughput and latency on this machine.",
		examples: []string{"bench", "bench --n 20000 --json"},
	},
	"version": {
		usage:    "version",
		about:    "Prints the version and the Go version it was built with.",
		examples: []string{"version"},
	},
	"help": {
		usage:    "help [COMMAND]",
		about:    "Prints the commands, or one command's usage, flags and examples.",
		examples: []string{"help", "help connect"},
	},
}

// writeHelp prints a command's usage page (without its flags).
func writeHelp(w io.Writer, name string) {
	h, ok := helps[name]
	if !ok {
		fmt.Fprintf(w, "usage: inboxbot %s [--config FILE]\n", name)
		return
	}
	fmt.Fprintf(w, "usage: inboxbot %s\n\n%s\n", h.usage, h.about)
	if len(h.examples) > 0 {
		fmt.Fprintln(w, "\nexamples:")
		for _, ex := range h.examples {
			if strings.HasPrefix(ex, "echo ") {
				fmt.Fprintf(w, "  %s\n", ex)
				continue
			}
			fmt.Fprintf(w, "  inboxbot %s\n", ex)
		}
	}
}

// cmdHelp prints the general usage, or one command's page and flags.
func cmdHelp(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		usage(e.stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "inboxbot: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
	if args[0] == "help" || args[0] == "version" {
		writeHelp(e.stdout, args[0])
		return exitOK
	}
	// The command prints its page and its flags for -h.
	c.run(ctx, env{stdin: strings.NewReader(""), stdout: e.stdout, stderr: e.stdout, environ: e.environ}, []string{"-h"})
	return exitOK
}
