package store

import "context"

// PerItem returns s with Ingest storing item by item, whatever the
// dialect: the path before set-based ingest, kept as a benchmark baseline
// and as the reference the batch path must agree with.
func PerItem(s Store) Store { return perItem{s.(*sqlStore)} }

type perItem struct{ *sqlStore }

func (p perItem) Ingest(ctx context.Context, items []Item) ([]Ingested, error) {
	return p.ingest(ctx, items, nil)
}
