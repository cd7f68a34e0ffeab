package agent

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// WriteConversationTable writes the queue as an aligned text table for
// `inboxbot conversations list`.
func WriteConversationTable(w io.Writer, cs []ConversationView) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWAITING\tPLATFORM\tCHANNEL\tSTATUS\tLANG\tCUSTOMER\tHOLDER\tFLAGS")
	now := time.Now()
	for _, c := range cs {
		waiting := "-"
		if !c.AwaitingSince.IsZero() {
			waiting = shortDuration(now.Sub(c.AwaitingSince))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			c.ID, waiting, c.Platform, c.Channel, c.Status, orDash(c.Language),
			termSafe(c.Customer.Label()), orDash(c.Assignee), orDash(strings.Join(c.Flags, ",")))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing conversation table: %w", err)
	}
	return nil
}

// WriteConversation writes one conversation with its thread, actions and
// audit trail for `inboxbot conversations show ID`.
func WriteConversation(w io.Writer, d ConversationDetail) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Conversation %d  %s %s  %s\n", d.ID, d.Platform, d.Channel, d.Status)
	fmt.Fprintf(&b, "Customer:  %s", termSafe(d.Customer.Label()))
	if d.Customer.Name != "" && d.Customer.Handle != "" {
		fmt.Fprintf(&b, " (%s)", termSafe(d.Customer.Name))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Holder:    %s\n", orDash(d.Assignee))
	fmt.Fprintf(&b, "Language:  %s\n", orDash(d.Language))
	fmt.Fprintf(&b, "Flags:     %s\n", orDash(strings.Join(d.Flags, ", ")))
	if d.LinkedConversation != 0 {
		fmt.Fprintf(&b, "Linked:    %d\n", d.LinkedConversation)
	}
	if mw := d.MessengerWindow; mw != nil {
		now := time.Now()
		fmt.Fprintf(&b, "Window:    24h %s, human agent %s\n", windowText(mw.StandardLeft(now)), windowText(mw.HumanAgentLeft(now)))
	}
	b.WriteString("\nMessages:\n")
	for _, m := range d.Messages {
		who := d.Customer.Label()
		if m.Direction != "in" {
			who = actorLabel(m.Author)
		}
		fmt.Fprintf(&b, "  [%s] %s %s %s:\n", m.CreatedAt.UTC().Format("2006-01-02 15:04"), m.Visibility, m.Kind, termSafe(who))
		if m.ShowsText() {
			for _, line := range strings.Split(termSafe(m.Text), "\n") {
				fmt.Fprintf(&b, "      %s\n", line)
			}
		}
		for _, a := range m.Attachments {
			fmt.Fprintf(&b, "      [%s] %s\n", termSafe(a.Label()), termSafe(a.URL))
		}
	}
	if len(d.Actions) > 0 {
		b.WriteString("\nActions:\n")
		for _, a := range d.Actions {
			fmt.Fprintf(&b, "  #%d %s %s by %s", a.ID, a.Kind, a.State, actorLabel(a.RequestedBy))
			if a.Error != "" {
				fmt.Fprintf(&b, ": %s", termSafe(a.Error))
			}
			b.WriteString("\n")
		}
	}
	if len(d.Audit) > 0 {
		b.WriteString("\nAudit:\n")
		for _, a := range d.Audit {
			fmt.Fprintf(&b, "  %s %s %s %s\n", a.At.UTC().Format("2006-01-02 15:04"), actorLabel(a.Actor), a.Action, termSafe(a.Detail))
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing conversation: %w", err)
	}
	return nil
}

func windowText(left time.Duration) string {
	if left <= 0 {
		return "closed"
	}
	return shortDuration(left) + " left"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// termSafe replaces control characters (other than newlines) so that a
// customer's text cannot move the cursor, recolour or retitle the
// operator's terminal with escape sequences.
func termSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return '\uFFFD'
		}
		return r
	}, s)
}
