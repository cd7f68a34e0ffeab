package sqlstore

import (
	"context"

	"github.com/inboxbot/inboxbot/store"
)

// PerItem returns s with Ingest storing item by item, whatever the
// dialect: the path before set-based ingest, kept as a benchmark baseline
// and as the reference the batch path must agree with.
func PerItem(s store.Store) store.Store { return perItem{s.(*sqlStore)} }

type perItem struct{ *sqlStore }

func (p perItem) Ingest(ctx context.Context, items []store.Item) ([]store.Ingested, error) {
	return p.ingest(ctx, items, nil)
}

// SQLiteMemoryCounted reports whether SQLite keeps memory statistics
// (malloc_cgo.go turns them off).
func SQLiteMemoryCounted() bool { return sqliteMemoryCounted() }
