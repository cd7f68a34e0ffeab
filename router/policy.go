package router

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/inboxbot/inboxbot/language"
)

// Detector detects the language of a text. *language.Detector implements
// it; tests use stubs.
type Detector interface {
	// Detect returns the language of text; hint is the platform's own
	// guess (Twitter's lang) or "". ctx bounds the wait for the models.
	Detect(ctx context.Context, text, hint string) (language.Result, error)
}

// Accounts tells the policy our own account ids, to recognise our own
// items and to write the DM deep link.
type Accounts interface {
	// TwitterID returns the support account's user id, or an error
	// wrapping ErrNoTwitterAccount when it is not known.
	TwitterID(ctx context.Context) (string, error)
	// FacebookID returns the Page's id, or "" when there is none.
	FacebookID(ctx context.Context) (string, error)
}

// StaticAccounts are account ids known from the config.
type StaticAccounts struct {
	// Twitter is the support account's user id, or "".
	Twitter string
	// Facebook is the Page's id, or "".
	Facebook string
}

// TwitterID returns a.Twitter, or ErrNoTwitterAccount when it is empty.
func (a StaticAccounts) TwitterID(context.Context) (string, error) {
	if a.Twitter == "" {
		return "", ErrNoTwitterAccount
	}
	return a.Twitter, nil
}

// FacebookID returns a.Facebook.
func (a StaticAccounts) FacebookID(context.Context) (string, error) { return a.Facebook, nil }

// TwitterSelf is what the Twitter connector offers to learn its account:
// *twitter.Connector implements it.
type TwitterSelf interface {
	// Self returns the account's user id and screen name.
	Self(ctx context.Context) (id, screenName string, err error)
}

// ConnectorAccounts returns Accounts that ask the Twitter connector for
// the account id when fallback has none (the connector caches it after
// the first call), and take the Page id from fallback.
func ConnectorAccounts(tw TwitterSelf, fallback StaticAccounts) Accounts {
	return &connectorAccounts{tw: tw, fallback: fallback, now: time.Now}
}

// selfTimeout bounds one question to the Twitter connector for our id.
const selfTimeout = 5 * time.Second

// selfRetry is how long a failed question for our id is not asked again:
// during a Twitter outage every item would otherwise wait selfTimeout,
// stalling the one INBOUND consumer, Facebook items included.
const selfRetry = 30 * time.Second

type connectorAccounts struct {
	tw       TwitterSelf
	fallback StaticAccounts
	now      func() time.Time

	mu       sync.Mutex
	failedAt time.Time // when the last question failed
	lastErr  error
}

// TwitterID returns the configured id, or asks the connector (which
// caches the answer once it has one). After a failure it answers with
// that failure, without asking, for selfRetry.
func (a *connectorAccounts) TwitterID(ctx context.Context) (string, error) {
	if a.fallback.Twitter != "" || a.tw == nil {
		return a.fallback.TwitterID(ctx)
	}
	a.mu.Lock()
	if !a.failedAt.IsZero() && a.now().Sub(a.failedAt) < selfRetry {
		err := a.lastErr
		a.mu.Unlock()
		return "", err
	}
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, selfTimeout)
	defer cancel()
	id, _, err := a.tw.Self(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.failedAt, a.lastErr = a.now(), fmt.Errorf("%w: asking the connector: %w", ErrNoTwitterAccount, err)
		return "", a.lastErr
	}
	a.failedAt, a.lastErr = time.Time{}, nil
	return id, nil
}

// FacebookID returns the configured Page id.
func (a *connectorAccounts) FacebookID(ctx context.Context) (string, error) {
	return a.fallback.FacebookID(ctx)
}

// Deps are what the policy needs besides its Config.
type Deps struct {
	// Store answers the "at most one per window" lookups. Nil turns them
	// off: every message is judged as if it were the customer's first
	// (`policy test` without a store).
	Store WindowStore
	// Detector detects languages. Nil: NewPolicy starts a
	// language.Detector from cfg.Language, which loads its models in the
	// background.
	Detector Detector
	// Accounts tells our own account ids. Nil: the ids in cfg
	// (policy.twitter.account_id, policy.facebook.page_id).
	Accounts Accounts
	// Now is the clock of the windows. Default time.Now.
	Now func() time.Time
	// Log receives warnings about decisions (ids and kinds, never text).
	// Default slog.Default().
	Log *slog.Logger
}

// NewPolicy builds the support policy from cfg (defaults are applied
// here), in the order the rules depend on each other:
//
//  1. own items: our own posts, comments and tweets get no actions;
//  2. language: every item gets a language, a confidence and a verdict;
//  3. personal data: public text is redacted, findings recorded, and
//     comments hidden or customers asked to delete;
//  4. English only on Twitter: the notice, the non_english flag;
//  5. public to private: DM invitations, follows, Private Replies and
//     acknowledgements, and links from private to public conversations;
//  6. compose: the parts become at most one public reply, and no action
//     text may hold a secret.
//
// Serve, bench, demo and `policy test` all use it, so they decide alike.
func NewPolicy(cfg Config, deps Deps) (Policy, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Accounts == nil {
		deps.Accounts = StaticAccounts{Twitter: cfg.Twitter.AccountID, Facebook: cfg.Facebook.PageID}
	}
	if deps.Detector == nil {
		d, err := language.Start(cfg.Language.Detector())
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		deps.Detector = d
	}
	lk := lookups{st: deps.Store, now: deps.Now}
	t := newTemplates(cfg)
	rd := cfg.Redactor()
	return Chain(
		ownItems{accounts: deps.Accounts, log: deps.Log},
		languagePolicy{detector: deps.Detector, wait: cfg.Language.Wait},
		piiPolicy{cfg: cfg, t: t, rd: rd},
		englishOnly{cfg: cfg, t: t, lk: lk},
		publicToPrivate{cfg: cfg, t: t, lk: lk, accounts: deps.Accounts, now: deps.Now},
		compose{inviteWindow: cfg.InviteWindow, noticeWindow: cfg.NoticeWindow, t: t, log: deps.Log, mention: on(cfg.Twitter.MentionAuthor), rd: rd},
	), nil
}
