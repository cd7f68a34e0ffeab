package language

import (
	"slices"
	"strings"
)

// englishWords are common English words that the texts of the other
// languages (almost) never contain: function words, the contractions, and
// the words of hotel complaints. They were written down by hand, then
// every word that occurs in three or more non-English sentences of the
// tuning split was struck out (my, is, was, have, do, no, me, we, ...),
// so that a word here is evidence for English and not merely a short
// word. Names are never here. Sorted, for binary search.
var englishWords = []string{
	"about", "after", "again", "airport", "already", "also", "although", "always", "and", "angry",
	"another", "answer", "any", "anyone", "anything", "aren't", "ask", "asked", "awful", "back",
	"bad", "bag", "bags", "because", "bed", "been", "before", "being", "best", "book", "booked",
	"booking", "breakfast", "broken", "but", "call", "called", "came", "can", "can't", "cancel",
	"canceled", "cancelled", "cannot", "car", "charged", "check", "child", "children", "clean",
	"closed", "cold", "confirm", "confirmation", "could", "couldn't", "day", "days", "did", "didn't",
	"dinner", "dirty", "does", "doesn't", "doing", "don't", "done", "door", "each", "early", "email",
	"evening", "ever", "every", "everything", "far", "few", "find", "fine", "first", "food", "found",
	"free", "friday", "friend", "friends", "from", "gave", "get", "gets", "getting", "give", "given",
	"goes", "going", "gone", "good", "got", "great", "hadn't", "happy", "hasn't", "haven't", "having",
	"hello", "here", "hers", "hey", "him", "his", "home", "hot", "hour", "hours", "house", "how",
	"i'd", "i'll", "i'm", "i've", "into", "isn't", "it", "it's", "its", "keep", "kept", "knew",
	"know", "last", "late", "left", "let's", "liked", "little", "look", "looking", "lost", "love",
	"loved", "lovely", "luggage", "lunch", "made", "make", "many", "might", "minutes", "monday",
	"money", "more", "morning", "much", "must", "near", "need", "needed", "never", "next", "nice",
	"night", "nights", "nobody", "not", "nothing", "now", "okay", "old", "one", "only", "onto", "or",
	"other", "our", "ours", "own", "parking", "people", "phone", "please", "price", "really",
	"receptionist", "refund", "reservation", "right", "room", "rooms", "rude", "sad", "said", "same",
	"saturday", "saw", "say", "school", "seen", "shall", "she", "should", "shouldn't", "shower",
	"since", "some", "someone", "something", "soon", "sorry", "staff", "stay", "stayed", "staying",
	"still", "such", "sunday", "support", "sure", "take", "taken", "tell", "terrible", "than",
	"thank", "thanks", "that", "that's", "the", "their", "theirs", "them", "then", "there", "there's",
	"these", "they", "they're", "thing", "things", "think", "this", "those", "though", "thought",
	"three", "through", "time", "tired", "today", "told", "tomorrow", "tonight", "too", "took",
	"twice", "two", "until", "upgrade", "very", "wait", "waited", "waiting", "want", "wanted",
	"wasn't", "way", "we're", "we've", "week", "weekend", "well", "went", "were", "weren't", "what",
	"what's", "when", "where", "which", "while", "who", "whom", "why", "wifi", "with", "without",
	"woman", "won't", "work", "worst", "would", "wouldn't", "wrong", "yeah", "yes", "yesterday",
	"yet", "you", "you'll", "you're", "you've", "your", "yours", "yourself",
}

// sharedEnglishWords are common English words that other languages
// use too (the ones struck out of englishWords, and a, i, in, of, to).
// They count only in texts of one to three words, where a name next to
// them ("Amsterdam is", "layla is a") would otherwise decide. Sorted.
var sharedEnglishWords = []string{
	"a", "all", "am", "are", "be", "come", "do", "go", "had", "has", "have", "he", "help", "her",
	"hi", "hotel", "i", "in", "is", "just", "like", "long", "man", "may", "me", "mine", "most", "my",
	"new", "no", "of", "ok", "open", "over", "see", "to", "under", "us", "was", "water", "we", "will",
}

// englishCount returns how many of the words of cleaned text are
// englishWords, and with shared, sharedEnglishWords too.
func englishCount(cleaned string, shared bool) int {
	n := 0
	for _, f := range strings.Fields(cleaned) {
		w := strings.ToLower(strings.ReplaceAll(f, "’", "'"))
		if _, ok := slices.BinarySearch(englishWords, w); ok {
			n++
		} else if _, ok := slices.BinarySearch(sharedEnglishWords, w); ok && shared {
			n++
		}
	}
	return n
}
