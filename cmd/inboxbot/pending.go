package main

import "context"

// TODO(lead): wired once the agent, router policy and demo packages land.
func notYet(_ context.Context, e env, _ []string) int { return fail(e, "not built yet") }

var (
	cmdBench = notYet
)
