package twfake_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
)

// Example scripts a customer's mention and DM, then reads the mentions
// timeline with an OAuth1-signed client, as the connector does. To run the
// connector against the fake instead, set twitter.Config.APIURL to
// fk.URL() and the four credentials to fk.Credentials().
func Example() {
	fk := twfake.New(twfake.Options{Window: 2 * time.Second})
	defer fk.Close()

	guest := twfake.User{ID: 5001, ScreenName: "guest1", Name: "Guest One"}
	fk.AddMention(guest, "@HotelHelp the air conditioning is broken", "en", 0)
	fk.AddDM(guest, "my booking is 12345")

	ck, cs, at, as := fk.Credentials()
	client := oauth1.NewConfig(ck, cs).Client(oauth1.NoContext, oauth1.NewToken(at, as))
	resp, err := client.Get(fk.URL() + "statuses/mentions_timeline.json?count=200&tweet_mode=extended")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var tweets []struct {
		FullText string `json:"full_text"`
		User     struct {
			ScreenName string `json:"screen_name"`
		} `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tweets); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("x-rate-limit-limit"), resp.Header.Get("x-rate-limit-remaining"))
	fmt.Printf("@%s: %s\n", tweets[0].User.ScreenName, tweets[0].FullText)
	fmt.Println(fk.Requests(twfake.MentionsTimeline), "request,", fk.RateLimited(), "rate-limited")
	// Output:
	// 200 75 74
	// @guest1: @HotelHelp the air conditioning is broken
	// 1 request, 0 rate-limited
}
