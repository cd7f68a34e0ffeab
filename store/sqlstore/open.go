package sqlstore

import (
	"context"
	"fmt"

	"github.com/inboxbot/inboxbot/store"
)

// Open connects to the database that cfg describes and brings its schema to
// the newest version before returning, so that callers never see an old
// schema. The caller must Close the Store.
func Open(ctx context.Context, cfg store.Config) (store.Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var (
		s   *sqlStore
		err error
	)
	switch cfg.Driver {
	case store.DriverSQLite:
		s, err = openSQLite(ctx, cfg)
	case store.DriverPostgres:
		s, err = openPostgres(ctx, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s store: %w", cfg.Driver, err)
	}
	return s, nil
}
