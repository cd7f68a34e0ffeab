package store

// Sort is an order of the queue.
type Sort string

// The orders of the queue.
const (
	// SortWaiting puts conversations awaiting an answer first, the
	// longest-waiting first, then the rest, the most recently updated
	// first. It is the default, and an index walk.
	SortWaiting Sort = ""
	// SortNewest puts the newest customer message first.
	SortNewest Sort = "newest"
	// SortDue puts conversations awaiting an answer first, the one whose
	// response is due soonest (or most overdue) first, by Filter.Targets
	// (the first-response target until an agent answered, then the
	// next-response one); those without a target follow, then the rest as
	// in SortWaiting.
	SortDue Sort = "due"
)

// Valid reports whether s is a known order.
func (s Sort) Valid() bool { return s == SortWaiting || s == SortNewest || s == SortDue }
