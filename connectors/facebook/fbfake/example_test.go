package fbfake_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
)

// Example scripts a customer's Messenger message and reads it back the
// way a Graph API client would: the Page token in the query, the fields
// asked for, and Facebook's default "+0000" times.
func Example() {
	at := time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return at.Add(time.Hour) }
	srv := fbfake.New(fbfake.Options{PageID: "1000", Token: "page-token", Now: clock})
	defer srv.Close()

	guest := fbfake.User{ID: "2001", Name: "Ada Guest"}
	srv.AddMessage("t_42", guest, "Is breakfast included?", at)

	q := url.Values{"access_token": {"page-token"}, "fields": {"message,from,created_time"}}
	resp, err := http.Get(srv.URL() + "v19.0/t_42/messages?" + q.Encode())
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode)
	fmt.Println(string(body))

	// What the Page sends lands in the conversation and is recorded.
	form := url.Values{
		"access_token":   {"page-token"},
		"recipient":      {`{"id":"2001"}`},
		"message":        {`{"text":"Yes, from 7 to 10."}`},
		"messaging_type": {"RESPONSE"},
	}
	if resp, err := http.PostForm(srv.URL()+"1000/messages", form); err == nil {
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	for _, m := range srv.SentMessages() {
		fmt.Println(m.RecipientID, m.MessagingType, m.Text)
	}
	// Output:
	// 200
	// {"data":[{"created_time":"2024-05-01T09:30:00+0000","from":{"email":"2001@facebook.com","id":"2001","name":"Ada Guest"},"id":"m_100000002","message":"Is breakfast included?"}],"paging":{"cursors":{"after":"MTcxNDU1NTgwMDAwMDAwMDAwMDoxMDAwMDAwMDI","before":"MTcxNDU1NTgwMDAwMDAwMDAwMDoxMDAwMDAwMDI"}}}
	// 200
	// 2001 RESPONSE Yes, from 7 to 10.
}
