package twfake_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// Example_v2Webhook runs the fake as X sells it today: a self-serve
// account on API v2, with an Account Activity webhook. The receiver
// answers the CRC challenge and checks each delivery's signature with the
// consumer secret; a customer's mention arrives by webhook, a poll of the
// v2 mentions finds it too, and the bill shows what the poll cost. To run
// the connector in v2 mode, set twitter.Config.APIURL to fk.URLv2().
func Example_v2Webhook() {
	fk := twfake.New(twfake.Options{SelfServe: true})
	defer fk.Close()
	ck, cs, at, as := fk.Credentials()
	sign := func(msg []byte) string {
		mac := hmac.New(sha256.New, []byte(cs))
		mac.Write(msg)
		return "sha256=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}

	events := make(chan []byte, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet { // the CRC challenge
			_ = json.NewEncoder(w).Encode(map[string]string{"response_token": sign([]byte(r.URL.Query().Get("crc_token")))})
			return
		}
		body, _ := io.ReadAll(r.Body)
		if !hmac.Equal([]byte(r.Header.Get("x-twitter-webhooks-signature")), []byte(sign(body))) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		events <- body
	}))
	defer hook.Close()
	if err := fk.SetWebhook(hook.URL + "/webhooks/twitter"); err != nil {
		fmt.Println(err)
		return
	}

	guest := twfake.User{ID: 5001, ScreenName: "guest1", Name: "Guest One"}
	fk.AddMention(guest, "@HotelHelp the air conditioning is broken", "en", 0)
	var ev struct {
		TweetCreateEvents []struct {
			Text string `json:"text"`
			User struct {
				ScreenName string `json:"screen_name"`
			} `json:"user"`
		} `json:"tweet_create_events"`
	}
	if err := json.Unmarshal(<-events, &ev); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("webhook: @%s: %s\n", ev.TweetCreateEvents[0].User.ScreenName, ev.TweetCreateEvents[0].Text)

	client := oauth1.NewConfig(ck, cs).Client(oauth1.NoContext, oauth1.NewToken(at, as))
	resp, err := client.Get(fk.URLv2() + "users/" + fk.Self().IDStr() + "/mentions?max_results=5&tweet.fields=author_id")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var page struct {
		Data []struct {
			AuthorID string `json:"author_id"`
		} `json:"data"`
		Meta struct {
			ResultCount int `json:"result_count"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("poll:", resp.StatusCode, page.Meta.ResultCount, "mention by", page.Data[0].AuthorID)

	// A self-serve account has no v1.1 timelines any more.
	old, err := client.Get(fk.URL() + "statuses/mentions_timeline.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	old.Body.Close()
	fmt.Println("v1.1:", old.StatusCode)
	fmt.Printf("bill: $%.3f\n", float64(fk.Bill())/1e6)
	// Output:
	// webhook: @guest1: @HotelHelp the air conditioning is broken
	// poll: 200 1 mention by 5001
	// v1.1: 403
	// bill: $0.001
}
