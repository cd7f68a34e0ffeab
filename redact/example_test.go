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
