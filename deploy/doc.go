// Package deploy holds inboxbot's operations assets, each checked by this
// package's tests:
//
//   - prometheus/inboxbot.rules.yml: alert rules (a connector unauthorized,
//     forbidden or rate-limited for 15 minutes, consumer lag, dead letters,
//     actions failing, a webhook silent while polling finds items, the
//     spend budget, a token about to expire), validated with
//     `promtool check rules` and unit-tested with `promtool test rules`;
//   - grafana/inboxbot.json: a Grafana dashboard;
//   - systemd/inboxbot.service: a hardened unit (DynamicUser,
//     ProtectSystem=strict, NoNewPrivileges, the secrets as credentials);
//   - Dockerfile: the static binary on a distroless base (`make image`).
//
// Every metric the rules and the dashboard use must be one inboxbot
// exports. The static binary the Dockerfile builds is built with the
// Makefile's flags, started and probed by cmd/inboxbot's TestStaticBinary,
// which shares the build with the end-to-end tests.
package deploy
