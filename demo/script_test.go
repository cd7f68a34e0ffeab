package demo

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/redact"
)

func TestScriptIsAPureFunctionOfTheSeed(t *testing.T) {
	a, b := Messages(7, 400), Messages(7, 400)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two scripts of seed 7 differ")
	}
	if reflect.DeepEqual(a, Messages(8, 400)) {
		t.Fatal("seeds 7 and 8 give the same script")
	}
	for i, m := range a {
		if m.Seq != i {
			t.Fatalf("message %d has Seq %d", i, m.Seq)
		}
	}
}

// TestScriptTourCoversThePolicy checks that, whatever the seed, the first
// minutes of a demo show every branch of the policy.
func TestScriptTourCoversThePolicy(t *testing.T) {
	for seed := int64(0); seed < 30; seed++ {
		msgs := Messages(seed, 40)
		has := map[string]bool{}
		for _, m := range msgs {
			has["topic:"+m.Topic] = true
			has["kind:"+string(m.Kind)] = true
			if m.Kind == Tweet && m.Customer.Lang != "en" {
				has["foreign tweet"] = true
			}
			if m.Kind.Public() && len(m.Secrets) > 0 {
				has["public secret"] = true
			}
			if m.Wait == WaitAnswer && (m.Kind == DM || m.Kind == Messenger) {
				has["moves to private"] = true
			}
		}
		for _, want := range []string{
			"topic:" + TopicTweetToDM, "topic:" + TopicTweetPII, "topic:" + TopicTweetForeign,
			"topic:" + TopicTweetPraise, "topic:" + TopicDMForeign, "topic:" + TopicDMChat,
			"topic:" + TopicMessengerChat, "topic:" + TopicVisitorPost, "topic:" + TopicComment,
			"topic:" + TopicCommentChatter, "kind:tweet", "kind:dm", "kind:messenger",
			"kind:visitor_post", "kind:comment", "foreign tweet", "public secret", "moves to private",
		} {
			if !has[want] {
				t.Errorf("seed %d: the first 40 messages lack %s", seed, want)
			}
		}
	}
}

func TestScriptVariety(t *testing.T) {
	langs := map[string]bool{}
	shapes := map[string]bool{}
	stories := map[int]int{}
	for _, m := range Messages(3, 3000) {
		stories[m.Story]++
		if m.Kind == Tweet {
			langs[m.Lang] = true
		}
		for _, s := range m.Secrets {
			switch {
			case strings.Contains(s, "-"):
				shapes["dashed"] = true
			case strings.Count(s, " ") == 3:
				shapes["spaced digits"] = true
			case strings.Count(s, " ") > 0:
				shapes["groups"] = true
			default:
				shapes["plain"] = true
			}
		}
		if strings.Contains(m.Text, "#") && len(m.Secrets) > 0 {
			shapes["#booking/PIN"] = true
		}
	}
	for _, l := range []string{"en", "it", "in", "es", "de", "fr", "pt", "nl"} {
		if !langs[l] {
			t.Errorf("no tweet with lang %q", l)
		}
	}
	for _, s := range []string{"dashed", "spaced digits", "groups", "plain", "#booking/PIN"} {
		if !shapes[s] {
			t.Errorf("no secret written %s", s)
		}
	}
	multi := 0
	for _, n := range stories {
		if n > 1 {
			multi++
		}
	}
	if multi < len(stories)/3 {
		t.Errorf("only %d of %d stories go back and forth", multi, len(stories))
	}
}

var fourDigits = regexp.MustCompile(`[0-9]{4}`)

// TestScriptSecretsAreRedactable checks that every secret planted in public
// text is one the redactor finds, and that public text holds no other
// number a test could mistake for a leaked secret: so a leak the
// acceptance test reports is the inbox's, not the script's.
func TestScriptSecretsAreRedactable(t *testing.T) {
	for seed := int64(0); seed < 20; seed++ {
		for _, m := range Messages(seed, 300) {
			for _, s := range m.Secrets {
				if !strings.Contains(m.Text, s) {
					t.Fatalf("seed %d message %d: secret %q not in its text", seed, m.Seq, s)
				}
			}
			if !m.Kind.Public() {
				continue
			}
			red := redact.String(m.Text)
			for _, s := range m.Secrets {
				if strings.Contains(red, s) || strings.Contains(red, digits(s)) {
					t.Errorf("seed %d message %d: the redactor leaves %q in %q", seed, m.Seq, s, red)
				}
			}
			if fourDigits.MatchString(red) {
				t.Errorf("seed %d message %d: public text has another long number: %q", seed, m.Seq, red)
			}
		}
	}
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func TestScriptCustomers(t *testing.T) {
	ids := map[string]Customer{}
	for _, m := range Messages(5, 1000) {
		c := m.Customer
		if c.Platform != m.Kind.Platform() {
			t.Fatalf("message %d: %s customer writes a %s", m.Seq, c.Platform, m.Kind)
		}
		if c.Platform == inbox.Twitter && (c.Handle == "" || strings.ContainsAny(c.Handle, " .")) {
			t.Fatalf("bad handle %q", c.Handle)
		}
		key := string(c.Platform) + c.ID
		if prev, ok := ids[key]; ok && prev != c {
			t.Fatalf("id %s is two customers: %+v and %+v", key, prev, c)
		}
		ids[key] = c
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"20": 20, "20/min": 20, "1/s": 60, "120/h": 2, " 600 ": 600, "0.5": 0.5} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-3", "fast", "20/week", "1000/s"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) succeeded", in)
		}
	}
}

func TestCardNumbersPassLuhn(t *testing.T) {
	s := NewScript(1)
	for range 100 {
		d := digits(s.card())
		sum := 0
		for i := range d {
			v := int(d[len(d)-1-i] - '0')
			if i%2 == 1 {
				if v *= 2; v > 9 {
					v -= 9
				}
			}
			sum += v
		}
		if len(d) != 16 || sum%10 != 0 {
			t.Fatalf("card %s fails Luhn", d)
		}
	}
}
