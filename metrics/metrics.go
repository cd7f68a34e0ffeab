// Package metrics defines inboxbot's Prometheus metrics in one place, so
// that their names and labels stay consistent. Labels never carry customer
// data: only platforms, kinds, outcomes and component names.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every collector. Components take the fields they update.
type Metrics struct {
	Registry *prometheus.Registry

	// Ingested counts items published to INBOUND by connectors.
	Ingested *prometheus.CounterVec // platform, kind
	// Routed counts items the router stored (duplicates excluded).
	Routed *prometheus.CounterVec // platform, kind
	// Duplicates counts redelivered or re-pulled items the store dropped.
	Duplicates *prometheus.CounterVec // platform, kind
	// DeadLettered counts records sent to inbox.dead.*.
	DeadLettered *prometheus.CounterVec // subject
	// Actions counts actions by outcome.
	Actions *prometheus.CounterVec // platform, kind, state
	// ConsumerLag is the number of messages waiting for a consumer.
	ConsumerLag *prometheus.GaugeVec // consumer
	// StoreLatency observes the duration of store calls.
	StoreLatency *prometheus.HistogramVec // op
	// RateLimitWaits counts waits forced by platform rate limits.
	RateLimitWaits *prometheus.CounterVec // platform, endpoint
	// RateLimitWaitSeconds sums the time spent waiting on rate limits.
	RateLimitWaitSeconds *prometheus.CounterVec // platform
	// ConnectorErrors counts failed polls or sends by reason class.
	ConnectorErrors *prometheus.CounterVec // platform, reason
	// Skipped counts platform items skipped as malformed.
	Skipped *prometheus.CounterVec // platform, reason
	// PlatformSpend sums what platform calls cost, in US dollars (X's
	// pay-per-use prices).
	PlatformSpend *prometheus.CounterVec // platform, endpoint
	// Webhooks counts webhook deliveries by outcome (ok, bad_signature,
	// too_large, malformed, unavailable).
	Webhooks *prometheus.CounterVec // platform, outcome
	// GraphCalls counts Graph API calls of the Facebook connector.
	GraphCalls *prometheus.CounterVec // endpoint
	// ComponentState is 1 for each component's current /healthz state
	// and 0 for its other states, so that alerts can say "unauthorized
	// for 15 minutes" without parsing /healthz.
	ComponentState *prometheus.GaugeVec // component, state
	// TokenExpiry is when a platform credential stops working, in Unix
	// seconds: token "access" (the token itself) or "data_access"
	// (Meta's 90-day data access). Absent while it does not expire.
	TokenExpiry *prometheus.GaugeVec // platform, token
}

// New creates the collectors and registers them, with the Go and process
// collectors, on a new registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_ingested_total", Help: "Customer items published to INBOUND by connectors.",
		}, []string{"platform", "kind"}),
		Routed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_routed_total", Help: "Customer items routed and stored.",
		}, []string{"platform", "kind"}),
		Duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_duplicates_total", Help: "Redelivered or re-pulled items that were already stored.",
		}, []string{"platform", "kind"}),
		DeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_dead_lettered_total", Help: "Undecodable records moved to inbox.dead.*.",
		}, []string{"subject"}),
		Actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_actions_total", Help: "Actions finished, by outcome.",
		}, []string{"platform", "kind", "state"}),
		ConsumerLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "inboxbot_consumer_lag", Help: "Messages waiting for a durable consumer (pending plus unacknowledged).",
		}, []string{"consumer"}),
		StoreLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "inboxbot_store_seconds", Help: "Duration of store calls.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"op"}),
		RateLimitWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_rate_limit_waits_total", Help: "Waits forced by platform rate limits.",
		}, []string{"platform", "endpoint"}),
		RateLimitWaitSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_rate_limit_wait_seconds_total", Help: "Time spent waiting on platform rate limits.",
		}, []string{"platform"}),
		ConnectorErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_connector_errors_total", Help: "Failed platform calls, by reason class.",
		}, []string{"platform", "reason"}),
		Skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_skipped_items_total", Help: "Platform items skipped because they were malformed.",
		}, []string{"platform", "reason"}),
		PlatformSpend: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_platform_spend_usd_total", Help: "What platform API calls cost, in US dollars, at the configured prices.",
		}, []string{"platform", "endpoint"}),
		Webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_webhook_deliveries_total", Help: "Webhook deliveries received, by outcome.",
		}, []string{"platform", "outcome"}),
		GraphCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxbot_graph_calls_total", Help: "Graph API calls made by the Facebook connector, by endpoint.",
		}, []string{"endpoint"}),
		ComponentState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "inboxbot_component_state", Help: "1 for each component's current state on /healthz, 0 for its other states.",
		}, []string{"component", "state"}),
		TokenExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "inboxbot_token_expiry_timestamp_seconds", Help: "When a platform credential expires, in Unix seconds (absent while it does not expire).",
		}, []string{"platform", "token"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Ingested, m.Routed, m.Duplicates, m.DeadLettered, m.Actions, m.ConsumerLag,
		m.StoreLatency, m.RateLimitWaits, m.RateLimitWaitSeconds, m.ConnectorErrors, m.Skipped,
		m.PlatformSpend, m.Webhooks, m.GraphCalls, m.ComponentState, m.TokenExpiry,
	)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
