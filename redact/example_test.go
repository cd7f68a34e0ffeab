package redact_test

import (
	"fmt"

	"github.com/inboxbot/inboxbot/redact"
)

func ExampleRedact() {
	text := "Hi, booking #1234 567 890, my PIN is 4321. Call me on +39 02 9129 4973."
	out, findings := redact.Redact(text)
	fmt.Println(out)
	for _, f := range findings {
		fmt.Printf("%s at %d-%d\n", f.Kind, f.Start, f.End)
	}
	// Output:
	// Hi, booking [booking number], my PIN is [PIN]. Call me on +39 02 9129 4973.
	// booking_number at 12-25
	// pin at 37-41
}

func ExampleRedactor_Mask() {
	rd := redact.New(redact.WithAllowed("+1 800 555 0199"))
	for _, seg := range rd.Mask("Booking 1234567890, PIN 4321. Call 800 555 0199.") {
		if seg.Kind != "" {
			fmt.Printf("hidden %s as %q\n", seg.Kind, seg.Text)
		} else {
			fmt.Printf("text %q\n", seg.Text)
		}
	}
	// Output:
	// text "Booking "
	// hidden booking_number as "[booking number]"
	// text ", PIN "
	// hidden pin as "[PIN]"
	// text ". Call 800 555 0199."
}
