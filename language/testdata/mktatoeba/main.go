// Command mktatoeba writes language/testdata/tatoeba-split.tsv.gz from the
// Tatoeba test set in ../shared/lang/tatoeba (see the testdata README):
//
//	go run ./language/testdata/mktatoeba ../shared/lang/tatoeba language/testdata/tatoeba-split.tsv.gz
//
// Each line is "<split>\t<ISO 639-3>\t<sentence>". The split is fixed
// here, once: sentence i of XXX.txt and its English translation, line i
// of eng-from-XXX.txt, go to "held" when bit 16 of an FNV-1a hash of "XXX i" is set,
// else to "tune". An English sentence that several files share is kept
// once, in the split of its first occurrence, and each file gives at most
// englishPerFile English sentences (so that lingua-go, which the agreement
// test runs on the whole set, gets through it in about a minute).
package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"log"
	"os"
	"path/filepath"
	"strings"
)

const englishPerFile = 400

var langs = strings.Fields("afr ara cat ces dan deu est fin fra hrv hun ind ita jpn lit nld nob pol por ron rus slk spa swe swh tgl tur vie zsm")

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: mktatoeba SHARED_TATOEBA_DIR OUT.tsv.gz")
	}
	dir, out := os.Args[1], os.Args[2]
	f, err := os.Create(out)
	if err != nil {
		log.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	seen := map[string]bool{}
	var english [2][]string
	for _, l := range langs {
		foreign, eng := read(filepath.Join(dir, l+".txt")), read(filepath.Join(dir, "eng-from-"+l+".txt"))
		if len(foreign) != len(eng) {
			log.Fatalf("%s: %d sentences, %d translations", l, len(foreign), len(eng))
		}
		kept := 0
		for i, s := range foreign {
			h := fnv.New32a()
			fmt.Fprintf(h, "%s %d", l, i)
			split := int(h.Sum32() >> 16 & 1)
			if s != "" {
				fmt.Fprintf(w, "%s\t%s\t%s\n", name(split), l, s)
			}
			if e := eng[i]; e != "" && !seen[e] && kept < englishPerFile {
				seen[e], kept = true, kept+1
				english[split] = append(english[split], e)
			}
		}
	}
	for split, es := range english {
		for _, e := range es {
			fmt.Fprintf(w, "%s\teng\t%s\n", name(split), e)
		}
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func name(split int) string { return [2]string{"tune", "held"}[split] }

func read(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(strings.ReplaceAll(l, "\t", " "))
	}
	return lines
}
