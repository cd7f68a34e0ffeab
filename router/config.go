package router

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/inboxbot/inboxbot/language"
	"github.com/inboxbot/inboxbot/redact"
	"github.com/inboxbot/inboxbot/sla"
)

// Config is the support policy (the `policy:` section): toggles, windows,
// contact points and reply templates. Every key is documented on its
// field; WithDefaults fills in what is not set and Validate reports every
// problem by its key within the section.
//
//	policy:
//	  invite_window: 24h
//	  notice_window: 24h
//	  language:   {languages: [...], ratio: 3.3, short_ratio: 12, word_ratio: 100, wait: 5s}
//	  twitter:    {account_id: "", english_only: true, invite_dm: true, follow: false}
//	  facebook:   {page_id: "", private_reply: true, public_ack: true, hide_pii: true}
//	  contact:    {facebook_page: "", phone: "", email: "", help_center: ""}
//	  sla:        {twitter: {public: {first_response: 1h, next_response: 1h}, private: {...}}, facebook: {...}}
//	  retention:  {private_secrets: 720h}
//	  templates:  {dm_invite: {en: "..."}, private_reply: {es: "..."}, ...}
type Config struct {
	// InviteWindow is how long after inviting a customer to private
	// messages (a DM invitation on Twitter, a Private Reply on Facebook)
	// the same public thread gets no other invitation. Default 24h.
	InviteWindow time.Duration `yaml:"invite_window"`
	// NoticeWindow is how long after the English-only notice the same
	// Twitter customer gets no other one, however many tweets or DMs they
	// send. Default 24h.
	NoticeWindow time.Duration `yaml:"notice_window"`
	// Language configures language detection.
	Language LanguageConfig `yaml:"language"`
	// Twitter configures the rules for the Twitter support account.
	Twitter TwitterPolicy `yaml:"twitter"`
	// Facebook configures the rules for the Facebook Page.
	Facebook FacebookPolicy `yaml:"facebook"`
	// Contact says where customers get help in other languages; the
	// English-only notice lists the ones that are set.
	Contact Contact `yaml:"contact"`
	// SLA is how long customers may wait for an agent, per platform and
	// channel (see package sla): the desk's queue colours and the
	// reports' breaches. Default: an hour for every first and next answer.
	SLA sla.Config `yaml:"sla"`
	// Retention says how long customers' secrets are kept (see
	// Retention).
	Retention RetentionConfig `yaml:"retention"`
	// Templates are the automatic texts, by name and then by ISO 639-1
	// language code, e.g. templates.private_reply.es. Only the texts given
	// replace the defaults (DefaultTemplates); see TemplateNames for the
	// names and Placeholders for what they may contain.
	Templates map[string]map[string]string `yaml:"templates"`
}

// LanguageConfig configures language detection (policy.language).
type LanguageConfig struct {
	// Languages are the ISO 639-1 codes the detector tells apart, among
	// the 54 of its model store ("all" for all of them). Default
	// language.DefaultLanguages; the package language documents the set.
	Languages []string `yaml:"languages"`
	// Ratio is how many times more likely than English the detector's
	// first choice must be for a text of four or more words to be not
	// English. Default 3.3.
	Ratio float64 `yaml:"ratio"`
	// ShortRatio is the same for texts of two or three words. Default 12.
	ShortRatio float64 `yaml:"short_ratio"`
	// WordRatio is the same for texts of one word. Default 100.
	WordRatio float64 `yaml:"word_ratio"`
	// Wait bounds how long a routing batch waits for the language models
	// while they load at start; after it the batch is retried. Default 5s;
	// it must stay below the router's 10 s acknowledgement wait.
	Wait time.Duration `yaml:"wait"`
}

// Detector returns the detector's part of the settings.
func (c LanguageConfig) Detector() language.Config {
	return language.Config{Languages: c.Languages, Ratio: c.Ratio, ShortRatio: c.ShortRatio, WordRatio: c.WordRatio}
}

// TwitterPolicy configures the rules for the Twitter account
// (policy.twitter).
type TwitterPolicy struct {
	// AccountID is the support account's user id, for the DM deep link
	// and to recognise our own tweets. Empty: learnt at run time from the
	// connector (Deps.Accounts).
	AccountID string `yaml:"account_id"`
	// EnglishOnly answers tweets and DMs that are confidently not in
	// English with a notice that support on Twitter is in English, and
	// where to get help in other languages. Default true.
	EnglishOnly *bool `yaml:"english_only"`
	// InviteDM answers a public tweet that needs support with an
	// invitation to continue by DM. Default true.
	InviteDM *bool `yaml:"invite_dm"`
	// Follow also follows the customer when inviting them to DM, so that
	// their DMs reach us whatever their settings. Default false. X API v2
	// has no follow for self-serve access (removed April 2026), so it is
	// a config error with twitter.api: v2.
	Follow bool `yaml:"follow"`
	// DMLink puts the messages/compose deep link in the DM invitation.
	// Default off with twitter.api v2 (a post with a link costs about 13
	// times a plain one on pay-per-use), on with v1.1. Without it the
	// invitation still asks the customer to send a DM
	// (templates.dm_invite_no_link).
	DMLink *bool `yaml:"dm_link"`
	// MentionAuthor starts every automatic reply with the customer's
	// @handle. X API v2 does not add it to a reply's text as v1.1's
	// auto_populate_reply_metadata does, and X refuses a post whose text
	// repeats an earlier one as duplicate content, so without it every
	// customer's identical invitation after the first would be refused.
	// Default on with twitter.api v2, off with v1.1.
	MentionAuthor *bool `yaml:"mention_author"`
}

// FacebookPolicy configures the rules for the Facebook Page
// (policy.facebook).
type FacebookPolicy struct {
	// PageID is the Page's id, to recognise the Page's own posts and
	// comments. Empty: from Deps.Accounts (the facebook section's
	// page_id).
	PageID string `yaml:"page_id"`
	// PrivateReply answers a comment or visitor post that needs support
	// with a Private Reply in Messenger. Default true.
	PrivateReply *bool `yaml:"private_reply"`
	// PublicAck adds a short public reply saying that we sent a private
	// message. Default true.
	PublicAck *bool `yaml:"public_ack"`
	// HidePII hides a comment that shows a booking number, PIN or card
	// number. Default true.
	HidePII *bool `yaml:"hide_pii"`
}

// Contact lists where customers get help (policy.contact). The
// English-only notice names every one that is set, in this order.
type Contact struct {
	// FacebookPage is the URL of the Facebook Page.
	FacebookPage string `yaml:"facebook_page"`
	// Phone is the support phone number.
	Phone string `yaml:"phone"`
	// Email is the support e-mail address.
	Email string `yaml:"email"`
	// HelpCenter is the URL of the help center.
	HelpCenter string `yaml:"help_center"`
}

// Redactor returns the redactor every part of inboxbot uses on customer
// and reply text: it never takes the company's own phone number
// (contact.phone) for a secret, so that "800 555 0199", ten digits like
// a booking number, is neither masked in messages nor refused in replies.
func (c Config) Redactor() *redact.Redactor {
	return redact.New(redact.WithAllowed(c.Contact.Phone))
}

// list returns the contact points that are set, in order.
func (c Contact) list() []string {
	var out []string
	for _, s := range []string{c.FacebookPage, c.Phone, c.Email, c.HelpCenter} {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Default windows and waits.
const (
	// DefaultInviteWindow is the default of policy.invite_window.
	DefaultInviteWindow = 24 * time.Hour
	// DefaultNoticeWindow is the default of policy.notice_window.
	DefaultNoticeWindow = 24 * time.Hour
	// DefaultLanguageWait is the default of policy.language.wait.
	DefaultLanguageWait = 5 * time.Second
)

// WithDefaults returns c with zero fields set to their defaults. Templates
// are merged: the defaults of every name and language not configured are
// added, so a config that translates one text keeps all the others.
func (c Config) WithDefaults() Config {
	if c.InviteWindow == 0 {
		c.InviteWindow = DefaultInviteWindow
	}
	if c.NoticeWindow == 0 {
		c.NoticeWindow = DefaultNoticeWindow
	}
	d := c.Language.Detector().WithDefaults()
	c.Language.Languages, c.Language.Ratio, c.Language.ShortRatio, c.Language.WordRatio = d.Languages, d.Ratio, d.ShortRatio, d.WordRatio
	if c.Language.Wait == 0 {
		c.Language.Wait = DefaultLanguageWait
	}
	c.SLA = c.SLA.WithDefaults()
	if c.Retention.PrivateSecrets == 0 {
		c.Retention.PrivateSecrets = DefaultPrivateSecretsRetention
	}
	for _, b := range []**bool{&c.Twitter.EnglishOnly, &c.Twitter.InviteDM, &c.Facebook.PrivateReply, &c.Facebook.PublicAck, &c.Facebook.HidePII} {
		if *b == nil {
			t := true
			*b = &t
		}
	}
	if c.Twitter.DMLink == nil {
		// The package config turns it on for twitter.api v1.1.
		f := false
		c.Twitter.DMLink = &f
	}
	if c.Twitter.MentionAuthor == nil {
		// The package config turns it on for twitter.api v2.
		f := false
		c.Twitter.MentionAuthor = &f
	}
	merged := make(map[string]map[string]string, len(DefaultTemplates))
	for name, byLang := range DefaultTemplates {
		merged[name] = make(map[string]string, len(byLang))
		for lang, text := range byLang {
			merged[name][lang] = text
		}
	}
	for name, byLang := range c.Templates {
		if merged[name] == nil {
			merged[name] = map[string]string{}
		}
		for lang, text := range byLang {
			merged[name][lang] = text
		}
	}
	c.Templates = merged
	return c
}

// on reads an optional toggle; nil (not set, before WithDefaults) is on.
func on(b *bool) bool { return b == nil || *b }

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the policy section. Call it on
// c.WithDefaults(): the cross-field rules (tweet length, placeholders that
// need a contact point) read the merged templates.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.InviteWindow < 0 || (c.InviteWindow > 0 && c.InviteWindow < time.Minute) {
		bad("invite_window: %s is too short (minimum 1m)", c.InviteWindow)
	}
	if c.NoticeWindow < 0 || (c.NoticeWindow > 0 && c.NoticeWindow < time.Minute) {
		bad("notice_window: %s is too short (minimum 1m)", c.NoticeWindow)
	}
	if err := c.Language.Detector().Validate(); err != nil {
		for _, e := range unjoin(err) {
			bad("language.%v", e)
		}
	}
	if c.Language.Wait < 0 || c.Language.Wait > ackWait/2 {
		bad("language.wait: %s is outside 0..%s (half the router's acknowledgement wait, so that a waiting batch is not redelivered meanwhile)", c.Language.Wait, ackWait/2)
	}
	if c.Retention.PrivateSecrets < time.Hour {
		bad("retention.private_secrets: %s is too short (minimum 1h): agents need a closed conversation's booking numbers and PINs when the customer comes back", c.Retention.PrivateSecrets)
	}
	if err := c.SLA.Validate(); err != nil {
		for _, e := range unjoin(err) {
			bad("sla.%v", e)
		}
	}
	if c.Twitter.AccountID != "" && !allDigits(c.Twitter.AccountID) {
		bad("twitter.account_id: %q is not a numeric user id", c.Twitter.AccountID)
	}
	if c.Twitter.Follow && !on(c.Twitter.InviteDM) {
		bad("twitter.follow: following is part of the DM invitation; turn on twitter.invite_dm or turn follow off")
	}
	if on(c.Facebook.PublicAck) && !on(c.Facebook.PrivateReply) {
		bad("facebook.public_ack: the acknowledgement says a private message was sent; turn on facebook.private_reply or turn public_ack off")
	}
	for _, u := range []struct{ key, v string }{{"contact.facebook_page", c.Contact.FacebookPage}, {"contact.help_center", c.Contact.HelpCenter}} {
		if u.v == "" {
			continue
		}
		if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("%s: %q is not an http(s) URL", u.key, u.v)
		}
	}
	if c.Contact.Email != "" && !strings.Contains(c.Contact.Email, "@") {
		bad("contact.email: %q is not an e-mail address", c.Contact.Email)
	}
	errs = append(errs, c.validateTemplates()...)
	return errors.Join(errs...)
}

// validateTemplates checks names, language codes and placeholders, that
// every template has an English text, that the placeholders a text uses
// have values, and that the longest automatic tweet fits.
func (c Config) validateTemplates() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	rd := c.Redactor()
	for _, name := range sortedKeys(c.Templates) {
		byLang := c.Templates[name]
		if _, known := DefaultTemplates[name]; !known {
			bad("templates.%s: %v (known: %s)", name, ErrUnknownTemplate, strings.Join(TemplateNames(), ", "))
			continue
		}
		if strings.TrimSpace(byLang["en"]) == "" {
			bad("templates.%s.en: every template needs an English text, the fallback for other languages", name)
		}
		for _, lang := range sortedKeys(byLang) {
			text := byLang[lang]
			key := "templates." + name + "." + lang
			if len(lang) != 2 || strings.ToLower(lang) != lang {
				bad("%s: %q is not a lower-case ISO 639-1 code", key, lang)
			}
			if strings.TrimSpace(text) == "" {
				bad("%s: empty text", key)
			}
			if rendered := newTemplates(c).text(name, lang, vars{dmLink: twitterDMLink("1")}); rd.Contains(rendered) {
				bad("%s: the text with its contact points looks like it shows a booking number, PIN or card number, so it would never be sent", key)
			}
			for _, ph := range placeholdersIn(text) {
				if !validPlaceholder(ph) {
					bad("%s: unknown placeholder {%s} (known: %s)", key, ph, strings.Join(Placeholders(), ", "))
					continue
				}
				if need := c.contactFor(ph); need != "" {
					bad("%s: uses {%s} but %s is empty", key, ph, need)
				}
			}
		}
	}
	// The longest automatic tweet: the greeting (with a 20-letter name),
	// the delete request, the notice and the invitation together (a
	// non-English tweet with a booking number).
	if len(errs) == 0 {
		t := newTemplates(c)
		v := vars{dmLink: twitterDMLink("1234567890123456789"), name: strings.Repeat("n", 20)}
		c := composeParts([]part{
			{PurposePIINotice, t.text(TmplPIIDeleteTweet, "en", v)},
			{PurposeNonEnglishNotice, t.text(TmplNonEnglishNotice, "en", v)},
			{PurposeDMInvite, t.text(TmplDMInvite, "en", v)},
		})
		if n := TweetLength(t.text(TmplGreeting, "en", v) + " " + c.text); n > MaxTweet {
			bad("templates.%s.en: with %s and %s the reply to a non-English tweet that shows a booking number is %d characters, over Twitter's %d; shorten the templates or the contact points",
				TmplNonEnglishNotice, TmplPIIDeleteTweet, TmplDMInvite, n, MaxTweet)
		}
	}
	return errs
}

// contactFor returns the contact key a placeholder needs that is empty,
// or "".
func (c Config) contactFor(ph string) string {
	switch ph {
	case "phone":
		if c.Contact.Phone == "" {
			return "contact.phone"
		}
	case "email":
		if c.Contact.Email == "" {
			return "contact.email"
		}
	case "help_center":
		if c.Contact.HelpCenter == "" {
			return "contact.help_center"
		}
	}
	return ""
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
