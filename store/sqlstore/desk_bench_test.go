package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
	"github.com/inboxbot/inboxbot/store/storetest"
)

// The desk's queries at the scale: 100,000 conversations and
// 1,000,000 messages (storetest.LoadHistory, REPORT_BENCH_CONVERSATIONS
// for a quicker look), the customers' messages given varied texts so that
// words, phrases and prefixes match what they would in a real inbox.
// Goals: the queue's first page and a search each under 100 ms.

// BenchmarkDeskSQLite measures the queue and search on SQLite.
func BenchmarkDeskSQLite(b *testing.B) {
	dsn := filepath.Join(b.TempDir(), "inboxbot.db")
	st, err := sqlstore.Open(b.Context(), store.Config{Driver: store.DriverSQLite, DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchDesk(b, st, store.DriverSQLite, dsn)
}

// BenchmarkDeskPostgres is BenchmarkDeskSQLite on PostgreSQL.
func BenchmarkDeskPostgres(b *testing.B) {
	dsn, _ := testutil.PostgresSchema(b, "desk")
	st, err := sqlstore.Open(b.Context(), store.Config{Driver: store.DriverPostgres, DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchDesk(b, st, store.DriverPostgres, dsn)
}

func benchDesk(b *testing.B, st store.Store, driver, dsn string) {
	ctx := b.Context()
	h := storetest.BenchHistory(b)
	start := time.Now()
	if err := storetest.LoadHistory(ctx, driver, dsn, h); err != nil {
		b.Fatal(err)
	}
	if err := loadDeskTexts(ctx, driver, dsn); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d conversations and %d messages in %s", h.Conversations, h.Messages(), time.Since(start).Round(time.Second))

	targets := []store.SLATarget{
		{Platform: inbox.Twitter, Channel: inbox.Public, FirstResponse: time.Hour, NextResponse: time.Hour},
		{Platform: inbox.Twitter, Channel: inbox.Private, FirstResponse: time.Hour, NextResponse: 2 * time.Hour},
		{Platform: inbox.Facebook, Channel: inbox.Public, FirstResponse: 30 * time.Minute, NextResponse: time.Hour},
		{Platform: inbox.Facebook, Channel: inbox.Private, FirstResponse: time.Hour, NextResponse: time.Hour},
	}
	// The queue's first page as the desk shows it: the page, its
	// glances (previews, unread and mention markers) and the facet counts.
	for _, q := range []struct {
		name string
		f    store.Filter
	}{
		{"queue", store.Filter{Status: inbox.Open}},
		{"queue-by-sla", store.Filter{Status: inbox.Open, Sort: store.SortDue, Targets: targets}},
		{"queue-newest", store.Filter{Status: inbox.Open, Sort: store.SortNewest}},
		{"queue-facebook-private", store.Filter{Status: inbox.Open, Platform: inbox.Facebook, Channel: inbox.Private}},
		{"queue-all-statuses", store.Filter{}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				p, err := st.Conversations(ctx, q.f)
				if err != nil || len(p.Conversations) == 0 {
					b.Fatalf("Conversations: %d, %v", len(p.Conversations), err)
				}
				ids := make([]int64, len(p.Conversations))
				for i, c := range p.Conversations {
					ids[i] = c.ID
				}
				if _, err := st.Glances(ctx, "alice", ids, nil); err != nil {
					b.Fatal(err)
				}
				if _, err := st.Counts(ctx, q.f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
	// Searches over every status (the desk's default for a search), each
	// with the glances of its page of results.
	for _, q := range []struct{ name, query string }{
		{"search-word", "refund"},
		{"search-rare-word", "jacuzzi"},
		{"search-common-word", "thanks"},
		{"search-two-words", "cancel rome"},
		{"search-phrase", `"change my dates"`},
		{"search-prefix", "refu*"},
		{"search-handle", "@guest123"},
		{"search-name", "guest"},
		{"search-id", "load-t4242"},
		{"search-nothing", "zeppelin"},
	} {
		b.Run(q.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				p, err := st.Search(ctx, q.query, store.Filter{})
				if err != nil {
					b.Fatal(err)
				}
				ids := make([]int64, len(p.Conversations))
				for i, c := range p.Conversations {
					ids[i] = c.ID
				}
				if _, err := st.Glances(ctx, "alice", ids, p.Matches); err != nil {
					b.Fatal(err)
				}
				n = len(ids)
			}
			if n == 0 && q.name != "search-nothing" {
				b.Fatalf("%q found nothing", q.query)
			}
			b.ReportMetric(float64(n), "results")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/search")
		})
	}
}

// deskTexts makes n customer messages, deterministically, from templates
// of what hotel guests write, so that some words are common ("booking"),
// some rare ("jacuzzi"), and phrases recur.
func deskTexts(n int) []string {
	rng := rand.New(rand.NewPCG(16, 1))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	cities := []string{"Rome", "Paris", "Berlin", "Madrid", "Lisbon", "Amsterdam", "Vienna", "Prague", "Athens", "Dublin",
		"Milan", "Venice", "Florence", "Naples", "Barcelona", "Seville", "Porto", "Munich", "Hamburg", "Zurich",
		"Geneva", "Brussels", "Bruges", "Copenhagen", "Stockholm", "Oslo", "Helsinki", "Warsaw", "Krakow", "Budapest",
		"Bali", "Jakarta", "Bangkok", "Tokyo", "Kyoto", "Seoul", "Sydney", "Cancun", "Lima", "Cusco"}
	hotels := []string{"Grand Hotel", "Plaza", "Central Inn", "Harbour View", "Old Town Suites", "Garden Lodge", "Riverside", "Palace"}
	extras := []string{"crib", "extra bed", "late checkout", "parking space", "airport transfer", "breakfast"}
	templates := []func() string{
		func() string {
			return "Hi, I need a refund for my booking in " + pick(cities...) + ", the hotel was closed"
		},
		func() string {
			return "Can I change my dates to next " + pick("week", "month", "Friday", "weekend") + " please"
		},
		func() string {
			return "I want to cancel my reservation at the " + pick(hotels...) + " in " + pick(cities...)
		},
		func() string { return "Where do I find my booking number and PIN?" },
		func() string {
			return "The room at the " + pick(hotels...) + " was " + pick("dirty", "noisy", "lovely", "small", "cold") + ", the staff " + pick("rude", "friendly", "helpful")
		},
		func() string {
			return "Is breakfast included at the " + pick(hotels...) + " in " + pick(cities...) + "?"
		},
		func() string {
			return "My card was charged twice for " + pick(cities...) + ", when do I get the refund?"
		},
		func() string { return "How do I add a " + pick(extras...) + " to my stay in " + pick(cities...) + "?" },
		func() string {
			return "The " + pick("wifi", "air conditioning", "shower", "elevator", "heating") + " in my room was not working"
		},
		func() string { return "Vorrei cambiare le date della prenotazione a " + pick(cities...) },
		func() string { return "Quiero cancelar mi reserva en " + pick(cities...) + ", gracias" },
		func() string { return "Je voudrais un remboursement pour ma réservation à " + pick(cities...) },
		func() string { return "Ich möchte meine Buchung in " + pick(cities...) + " stornieren" },
		func() string { return "Thanks for your help, all sorted now" },
	}
	out := make([]string, n)
	for i := range out {
		out[i] = templates[rng.IntN(len(templates))]()
		if rng.IntN(2000) == 0 { // a rare request
			out[i] += ". Does the room have a jacuzzi?"
		}
	}
	return out
}

// loadDeskTexts gives LoadHistory's customer messages varied texts (the
// search indexes follow the update, as they do the retention job's), sets
// a third of the open conversations waiting, and refreshes the planner's
// statistics (and PostgreSQL's visibility map) as a live database's
// autovacuum would.
func loadDeskTexts(ctx context.Context, driver, dsn string) error {
	name := "sqlite3"
	if driver == store.DriverPostgres {
		name = "pgx"
	}
	db, err := sqlx.Open(name, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	texts := deskTexts(20_000)
	steps := []string{`CREATE TABLE bench_texts (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`}
	for off := 0; off < len(texts); off += 500 {
		var vals []string
		for i, t := range texts[off:min(off+500, len(texts))] {
			vals = append(vals, fmt.Sprintf("(%d, '%s')", off+i, strings.ReplaceAll(t, "'", "''")))
		}
		steps = append(steps, `INSERT INTO bench_texts (id, text) VALUES `+strings.Join(vals, ", "))
	}
	steps = append(steps,
		fmt.Sprintf(`UPDATE messages SET text = (SELECT t.text FROM bench_texts t WHERE t.id = messages.id %% %d) WHERE direction = 'in'`, len(texts)),
		`DROP TABLE bench_texts`,
		`UPDATE conversations SET awaiting_since = last_customer_message_at WHERE status = 'open' AND id % 3 = 0`,
	)
	if driver == store.DriverPostgres {
		// VACUUM as well: a freshly loaded table has no visibility map, so
		// every index-only scan would visit the rows too, which a live
		// database's autovacuum has long made unnecessary.
		steps = append(steps, `VACUUM ANALYZE messages`, `VACUUM ANALYZE conversations`, `VACUUM ANALYZE customers`,
			`VACUUM ANALYZE conversation_flags`)
	} else {
		steps = append(steps, `ANALYZE`)
	}
	for _, q := range steps {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("loading desk texts: %.60s: %w", q, err)
		}
	}
	return nil
}
