// Package cluster holds inboxbot's multi-process scale-out tests: a
// three-node NATS JetStream cluster (TLS and authentication on), three
// `inboxbot serve` processes
// sharing it and one PostgreSQL schema, and the fake Facebook and Twitter
// platforms feeding them while the test kills the polling lease holder and
// a NATS node. The package has no code of its own; run the tests with
//
//	INBOXBOT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./cluster/ -run ScaleOut -v
//
// Without INBOXBOT_TEST_POSTGRES_URL (and with -short) they are skipped.
package cluster
