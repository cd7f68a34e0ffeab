package facebook

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	fb "github.com/huandu/facebook/v2"
)

// A webhook delivery lacks two things polling knows, and that an item
// needs to be the same item polling would publish: the Messenger
// conversation (Thread) of a message, which the messaging event does not
// name (it names the sender's PSID), with the sender's name; and whether
// a commented post is the Page's own (which decides a comment's Thread).
// Polling fills a cache of both for free; the webhook asks the Graph API
// only for what the cache lacks, once per new customer or post.

// maxCached bounds each cache; past it the cache starts over, which
// costs one look-up per customer or post again.
const maxCached = 100_000

// thread is a Messenger conversation and its customer's name.
type thread struct{ id, name string }

// lookupCache remembers conversations by PSID and post authorship.
type lookupCache struct {
	mu      sync.Mutex
	threads map[string]thread // PSID → conversation
	posts   map[string]bool   // post id → written by the Page
}

func (lc *lookupCache) thread(psid string) (thread, bool) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	t, ok := lc.threads[psid]
	return t, ok
}

func (lc *lookupCache) setThread(psid string, t thread) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.threads == nil || len(lc.threads) >= maxCached {
		lc.threads = map[string]thread{}
	}
	lc.threads[psid] = t
}

func (lc *lookupCache) post(id string) (pagePost, ok bool) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	pagePost, ok = lc.posts[id]
	return pagePost, ok
}

func (lc *lookupCache) setPost(id string, pagePost bool) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.posts == nil || len(lc.posts) >= maxCached {
		lc.posts = map[string]bool{}
	}
	lc.posts[id] = pagePost
}

// rememberConversation caches the customers of a polled conversation.
func (c *Connector) rememberConversation(conv conversation) {
	for _, p := range conv.Participants {
		if p.ID != "" && p.ID != c.cfg.PageID {
			c.cache.setThread(p.ID, thread{id: conv.ID, name: p.Name})
		}
	}
}

// rememberPost caches who wrote a post.
func (c *Connector) rememberPost(id string, pagePost bool) { c.cache.setPost(id, pagePost) }

// messengerThread returns the conversation of the customer with Messenger
// id psid and the customer's name, from the cache or with
// GET /{page-id}/conversations?platform=messenger&user_id={psid}.
func (c *Connector) messengerThread(ctx context.Context, psid string) (thread, error) {
	if t, ok := c.cache.thread(psid); ok {
		return t, nil
	}
	res, err := c.call(ctx, "finding the conversation of a webhook message", fb.GET, c.cfg.PageID+"/conversations",
		fb.Params{"platform": "messenger", "user_id": psid, "fields": "id,updated_time,participants"})
	if err != nil {
		return thread{}, err
	}
	raw, err := rawList(res)
	if err != nil {
		return thread{}, fmt.Errorf("finding the conversation of %s: %w", psid, errMalformed)
	}
	list, err := parseList(raw)
	if err != nil {
		return thread{}, fmt.Errorf("finding the conversation of %s: %w: %w", psid, errMalformed, err)
	}
	for _, item := range list.Items {
		conv, err := parseConversation(item)
		if err != nil {
			continue
		}
		c.rememberConversation(conv)
	}
	if t, ok := c.cache.thread(psid); ok {
		return t, nil
	}
	// The Conversations API may show a new conversation a little after
	// the webhook announced its first message.
	return thread{}, fmt.Errorf("no Messenger conversation with %s is visible yet", psid)
}

// pagePost reports whether post postID was written by the Page, from the
// cache or with GET /{post-id}?fields=from.
func (c *Connector) pagePost(ctx context.Context, postID string) (bool, error) {
	if pp, ok := c.cache.post(postID); ok {
		return pp, nil
	}
	res, err := c.call(ctx, "finding the author of a commented post", fb.GET, postID, fb.Params{"fields": "id,from"})
	if err != nil {
		return false, err
	}
	var w struct {
		From wireUser `json:"from"`
	}
	b, err := json.Marshal(res)
	if err == nil {
		err = json.Unmarshal(b, &w)
	}
	if err != nil {
		return false, fmt.Errorf("finding the author of %s: %w", postID, errMalformed)
	}
	// A post whose author the app may not see is not the Page's: the
	// Page always sees its own posts. Polling decides the same way.
	pp := w.From.ID == c.cfg.PageID
	c.rememberPost(postID, pp)
	return pp, nil
}
