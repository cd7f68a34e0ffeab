package language

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestDetect(t *testing.T) {
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

// TestStartIsReady: the models are read in place, so a detector is ready
// as soon as Start returns, and Detect does not wait even on a cancelled
// context.
func TestStartIsReady(t *testing.T) {
	d, err := Start(Config{Languages: []string{"en", "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Ready() || d.LoadTime() <= 0 {
		t.Errorf("ready %v, load time %s", d.Ready(), d.LoadTime())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r, err := d.Detect(ctx, "bonjour, je voudrais annuler ma réservation", ""); err != nil || r.Language != "fr" {
		t.Errorf("got %+v, %v", r, err)
	}
	if got := d.Languages(); len(got) != 2 || got[0] != "en" && got[1] != "en" {
		t.Errorf("languages %v", got)
	}
}

// TestDetectWaitsForModels: Detect on a detector whose models are not in
// yet is bounded by its context, and its error says why.
func TestDetectWaitsForModels(t *testing.T) {
	d, err := newDetector(Config{Languages: []string{"en", "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Detect(ctx, "bonjour", ""); !errors.Is(err, ErrNotReady) || !errors.Is(err, context.Canceled) {
		t.Errorf("before the models: %v", err)
	}
	if d.Ready() || d.LoadTime() != 0 {
		t.Errorf("ready %v, load time %s", d.Ready(), d.LoadTime())
	}
}

// TestDetectConcurrently: one Detector serves every router goroutine, so
// concurrent calls must give the answers a lone call gives (run under the
// race detector by `make test`).
func TestDetectConcurrently(t *testing.T) {
	d := loadTestDetector(t)
	ctx := context.Background()
	texts := []string{
		"@HotelHelp the air conditioning in my room is broken, can you send someone?",
		"@HotelHelp hola, necesito ayuda con mi reserva, no me llegó el correo",
		"予約の確認メールが届きません",
		"Здравствуйте, я не могу найти своё бронирование",
	}
	want := make([]Result, len(texts))
	for i, text := range texts {
		r, err := d.Detect(ctx, text, "")
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r
	}
	const workers, rounds = 8, 50
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for n := range rounds {
				i := (w + n) % len(texts)
				r, err := d.Detect(ctx, texts[i], "")
				if err == nil && (r.English != want[i].English || r.Language != want[i].Language || r.Confidence != want[i].Confidence) {
					err = fmt.Errorf("%q: got %s %s %.4f concurrently, %s %s %.4f alone", texts[i], r.English, r.Language, r.Confidence, want[i].English, want[i].Language, want[i].Confidence)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
