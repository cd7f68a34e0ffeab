package language

import (
	"context"
	"errors"
	"testing"
)

func TestDetect(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the language models")
	}
	d := loadTestDetector(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, text, hint string
		english          Verdict
		lang             string // "" to skip the check
	}{
		{"English", "@HotelHelp the air conditioning in my room is broken, can you send someone?", "", English, "en"},
		{"Spanish", "@HotelHelp hola, necesito ayuda con mi reserva, no me llegó el correo 😡", "", NotEnglish, "es"},
		{"Indonesian", "halo, saya ingin membatalkan pesanan saya untuk minggu depan", "", NotEnglish, "id"},
		{"Japanese", "予約の確認メールが届きません", "", NotEnglish, "ja"},
		{"Russian", "Здравствуйте, я не могу найти своё бронирование", "", NotEnglish, "ru"},
		{"no letters", "@HotelHelp 👍👍 https://t.co/x 1234", "", Unsure, ""},
		{"foreign hotel name", "I stayed at Schlosshotel Fürstenhof Bad Kötzting", "", English, "en"},
		{"foreign hotel name, short", "Loved Gellért Gyógyfürdő Szálloda", "", Unsure, ""},
		{"Twitter says English", "ok merci", "en", English, "en"},
		{"Twitter says Spanish of an English text", "the wifi in my room does not work at all", "es", Unsure, ""},
		{"Twitter's Indonesian code", "tolong bantu saya dengan pemesanan kamar hotel", "in", NotEnglish, "id"},
		{"Twitter's und is no hint", "the wifi in my room does not work at all", "und", English, "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := d.Detect(ctx, tc.text, tc.hint)
			if err != nil {
				t.Fatal(err)
			}
			if r.English != tc.english || (tc.lang != "" && r.Language != tc.lang) {
				t.Errorf("got %s %q (%.3f, English %.3f, %d words), want %s %q", r.English, r.Language, r.Confidence, r.EnglishConfidence, r.Words, tc.english, tc.lang)
			}
			if r.Confidence < 0 || r.Confidence > 1 {
				t.Errorf("confidence %v", r.Confidence)
			}
		})
	}
	if d.LoadTime() <= 0 || !d.Ready() {
		t.Errorf("load time %s, ready %v", d.LoadTime(), d.Ready())
	}
}

// TestDetectWaitsForModels: Detect is bounded by its context while the
// models load.
func TestDetectWaitsForModels(t *testing.T) {
	d, err := Start(Config{Languages: []string{"en", "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Detect(ctx, "bonjour", ""); !d.Ready() && (!errors.Is(err, ErrNotReady) || !errors.Is(err, context.Canceled)) {
		t.Errorf("before the models: %v", err)
	}
	if err := d.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, err := d.Detect(context.Background(), "bonjour, je voudrais annuler ma réservation", ""); err != nil || r.Language != "fr" {
		t.Errorf("after: %+v %v", r, err)
	}
	if got := d.Languages(); len(got) != 2 || got[0] != "en" && got[1] != "en" {
		t.Errorf("languages %v", got)
	}
}
