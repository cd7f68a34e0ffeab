package router

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/language"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.InviteWindow != 24*time.Hour || c.NoticeWindow != 24*time.Hour || c.Language.Wait != DefaultLanguageWait {
		t.Errorf("windows %s %s wait %s", c.InviteWindow, c.NoticeWindow, c.Language.Wait)
	}
	if len(c.Language.Languages) != len(language.DefaultLanguages) || c.Language.Ratio != language.DefaultRatio ||
		c.Language.ShortRatio != language.DefaultShortRatio || c.Language.WordRatio != language.DefaultWordRatio {
		t.Errorf("language %+v", c.Language)
	}
	if !on(c.Twitter.EnglishOnly) || !on(c.Twitter.InviteDM) || c.Twitter.Follow ||
		!on(c.Facebook.PrivateReply) || !on(c.Facebook.PublicAck) || !on(c.Facebook.HidePII) {
		t.Errorf("toggles %+v %+v", c.Twitter, c.Facebook)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the defaults are invalid: %v", err)
	}
	// A configured text replaces one default and keeps the others.
	c = Config{Templates: map[string]map[string]string{TmplPublicAck: {"en": "Check your inbox!", "sv": "Kolla din inkorg!"}}}.WithDefaults()
	if c.Templates[TmplPublicAck]["en"] != "Check your inbox!" || c.Templates[TmplPublicAck]["sv"] != "Kolla din inkorg!" ||
		c.Templates[TmplPublicAck]["it"] != DefaultTemplates[TmplPublicAck]["it"] || c.Templates[TmplDMInvite]["en"] != DefaultTemplates[TmplDMInvite]["en"] {
		t.Errorf("merged templates %v", c.Templates[TmplPublicAck])
	}
	if DefaultTemplates[TmplPublicAck]["en"] == "Check your inbox!" {
		t.Error("WithDefaults changed DefaultTemplates")
	}
	// An explicit false stays false.
	if c := (Config{Facebook: FacebookPolicy{HidePII: ptr(false)}}).WithDefaults(); on(c.Facebook.HidePII) {
		t.Error("hide_pii: false was reset to true")
	}
}

// TestConfigValidate checks every rule, with keys relative to policy.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*Config)
		want []string // substrings of the error, one per problem; none: valid
	}{
		{name: "defaults", cfg: func(*Config) {}},
		{name: "short windows", cfg: func(c *Config) { c.InviteWindow, c.NoticeWindow = time.Second, -time.Hour },
			want: []string{"invite_window: 1s is too short", "notice_window: -1h0m0s is too short"}},
		{name: "unknown language", cfg: func(c *Config) { c.Language.Languages = []string{"en", "xx"} },
			want: []string{`language.languages: unknown language code: "xx"`}},
		{name: "ratios", cfg: func(c *Config) { c.Language.Ratio, c.Language.ShortRatio = 5, 4 },
			want: []string{"language.short_ratio: 4 is below ratio (5)"}},
		{name: "ratio range", cfg: func(c *Config) { c.Language.Ratio = 0.7 },
			want: []string{"language.ratio: 0.7 is outside [1, 1e+06]"}},
		{name: "negative wait", cfg: func(c *Config) { c.Language.Wait = -time.Second }, want: []string{"language.wait: -1s is outside 0..5s"}},
		{name: "wait longer than the acknowledgement wait allows", cfg: func(c *Config) { c.Language.Wait = 20 * time.Second }, want: []string{"language.wait: 20s is outside 0..5s"}},
		{name: "account id", cfg: func(c *Config) { c.Twitter.AccountID = "@support" }, want: []string{`twitter.account_id: "@support" is not a numeric user id`}},
		{name: "follow needs the invitation", cfg: func(c *Config) { c.Twitter.Follow, c.Twitter.InviteDM = true, ptr(false) },
			want: []string{"twitter.follow: following is part of the DM invitation"}},
		{name: "follow with the invitation", cfg: func(c *Config) { c.Twitter.Follow = true }},
		{name: "acknowledgement needs the private reply", cfg: func(c *Config) { c.Facebook.PrivateReply = ptr(false) },
			want: []string{"facebook.public_ack: the acknowledgement says a private message was sent"}},
		{name: "no private reply, no acknowledgement", cfg: func(c *Config) { c.Facebook.PrivateReply, c.Facebook.PublicAck = ptr(false), ptr(false) }},
		{name: "contact URLs and e-mail", cfg: func(c *Config) {
			c.Contact.FacebookPage, c.Contact.HelpCenter, c.Contact.Email = "facebook.com/x", "ftp://help", "help.example.com"
		}, want: []string{"contact.facebook_page: \"facebook.com/x\" is not an http(s) URL", "contact.help_center: \"ftp://help\" is not an http(s) URL", "contact.email: \"help.example.com\" is not an e-mail address"}},
		{name: "unknown template", cfg: func(c *Config) { c.Templates["welcome"] = map[string]string{"en": "hi"} },
			want: []string{"templates.welcome: unknown template"}},
		{name: "bad language code and empty text", cfg: func(c *Config) { c.Templates[TmplPublicAck]["ES"] = "  " },
			want: []string{`templates.public_ack.ES: "ES" is not a lower-case ISO 639-1 code`, "templates.public_ack.ES: empty text"}},
		{name: "missing English", cfg: func(c *Config) { delete(c.Templates[TmplPublicAck], "en") },
			want: []string{"templates.public_ack.en: every template needs an English text"}},
		{name: "unknown placeholder", cfg: func(c *Config) { c.Templates[TmplDMInvite]["en"] = "DM us: {link}" },
			want: []string{"templates.dm_invite.en: unknown placeholder {link}"}},
		{name: "placeholder without its contact", cfg: func(c *Config) {
			c.Templates[TmplNonEnglishNotice]["en"] = "English only. Call {phone}."
			c.Contact.Phone = ""
		}, want: []string{"templates.non_english_notice.en: uses {phone} but contact.phone is empty"}},
		{name: "the company's own number is no secret", cfg: func(c *Config) {
			c.Contact.Phone = "8005550100"
			c.Templates[TmplNonEnglishNotice]["en"] = "English only. Call {phone}."
		}},
		{name: "a text the redactor would mask", cfg: func(c *Config) {
			c.Contact.Phone = "8005550100"
			c.Templates[TmplNonEnglishNotice]["en"] = "English only. Call {phone}, quoting 4005550100."
		}, want: []string{"templates.non_english_notice.en: the text with its contact points looks like it shows a booking number"}},
		{name: "the longest tweet must fit", cfg: func(c *Config) {
			c.Templates[TmplNonEnglishNotice]["en"] = strings.Repeat("Our support on Twitter is in English. ", 5) + "{contacts}"
		}, want: []string{"templates.non_english_notice.en: with pii_delete_tweet and dm_invite the reply to a non-English tweet that shows a booking number is"}},
		{name: "long contacts make the longest tweet too long", cfg: func(c *Config) {
			c.Contact.Email = strings.Repeat("x", 120) + "@example.com"
		}, want: []string{"over Twitter's 280"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig().WithDefaults()
			tc.cfg(&c)
			err := c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			problems := unjoin(err)
			if len(problems) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%v", len(problems), len(tc.want), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, p := range problems {
				key, _, ok := strings.Cut(p.Error(), ": ")
				if !ok || strings.ContainsAny(key, " \n") {
					t.Errorf("problem %q does not start with its key", p)
				}
			}
		})
	}
}

func TestNewPolicyRejectsInvalidConfig(t *testing.T) {
	cfg := testConfig()
	cfg.Twitter.AccountID = "abc"
	if _, err := NewPolicy(cfg, Deps{Detector: stubDetector{}}); err == nil || !strings.Contains(err.Error(), "twitter.account_id") {
		t.Errorf("error %v", err)
	}
}
