package app

import (
	"context"
	"net/http"

	"github.com/inboxbot/inboxbot/router"
)

// policy builds the support policy chain.
func (a *App) policy(ctx context.Context) (router.Policy, error) {
	return nil, nil
}

// openConnectors adds the enabled connectors' runners.
func (a *App) openConnectors(ctx context.Context) error {
	return nil
}

// handler builds the HTTP handler: the agents' desk, /healthz and /metrics.
func (a *App) handler(ctx context.Context) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", a.Health)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	return mux, nil
}
