// Package chaos holds inboxbot's fault-injection suite: two `inboxbot
// serve` processes on one external nats-server and a private PostgreSQL,
// fed by customers writing to the fake Facebook and X (v2, self-serve)
// platforms, while the suite injects, one phase after another:
//
//   - on 10% of platform requests, from a fault-injecting reverse proxy in
//     front of each fake (seeded: the sequence of faults is the same on
//     every run), one kind per phase: rate limits (X's 429, Graph's
//     rate-limit codes), 5xx answers, malformed and truncated JSON, slow
//     answers, connection resets (before the platform sees the request,
//     after it acted, or in the middle of its answer); some phases also
//     aim their fault at the first comment hide;
//   - with a mix of all of these on 10% of requests underneath: a restart
//     of the NATS server (SIGKILL, started again on the same port and
//     store directory), a restart of PostgreSQL (pg_ctl stop -m fast,
//     held down until /healthz shows it, started again), and SIGKILL of
//     the instance holding the polling leases (started again, as its
//     supervisor would);
//   - with no other fault: an expired token on both platforms, agents
//     answering meanwhile, then its renewal.
//
// While each fault lasts it polls both instances' /healthz (with an agent
// token, so with reasons) and requires the fault to show there (slow
// answers are only recorded: they stay under the clients' timeouts).
// After the last one it waits, with a deadline, for everything to
// converge with no operator action, then checks: no customer message
// lost, none stored twice, nothing dead-lettered, no action delivered
// twice, no hide left unknown, the agents' replies not failed, every
// comment that showed a booking number hidden, /healthz clean on every
// instance (each platform ok on the lease holder, standby on the other).
//
// The package has no code of its own; the processes, the customers and
// the checks it shares with the cluster test are in
// internal/testutil/fleet. It restarts its NATS server and its
// PostgreSQL, so it runs its own, never the machine's (which other tests
// use at the same time): a nats-server built from the module, and a
// PostgreSQL cluster made with initdb from the machine's server binaries
// (pg_ctl under /usr/lib/postgresql/*/bin; Debian's postgresql package,
// which the machine's PostgreSQL comes from). Without them the suite is
// skipped with a message, except under CI=true, where it fails. As root,
// PostgreSQL runs as the postgres user. Run it with
//
//	go test ./chaos/ -run Chaos -v
//
// On two cores it takes about three minutes with the build when
// everything converges, and up to four and a half when it fails and
// waits out its deadlines; -short skips it. CHAOS_SEED changes the fault
// sequence (default 1).
package chaos
