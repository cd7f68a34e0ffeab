package redact

// phoneLengths is how many digits an international number has, country
// code included, for the countries whose numbers customers write most. A
// '+' number is read as one phone number only up to its length, so a
// booking number right after it is not taken for the rest of the phone
// number. Other country codes get 8 to 15 digits (E.164).
var phoneLengths = map[string][2]int{
	"1": {11, 11}, "7": {11, 11},
	"20": {11, 12}, "27": {11, 11}, "30": {12, 12}, "31": {11, 11}, "32": {10, 11}, "33": {11, 11}, "34": {11, 11},
	"36": {10, 11}, "39": {8, 13}, "40": {11, 11}, "41": {11, 11}, "43": {8, 14}, "44": {11, 12}, "45": {10, 10},
	"46": {8, 12}, "47": {10, 10}, "48": {11, 11}, "49": {8, 15}, "51": {10, 11}, "52": {12, 12}, "54": {12, 13},
	"55": {12, 13}, "56": {11, 11}, "57": {11, 12}, "58": {12, 12}, "60": {10, 12}, "61": {11, 11}, "62": {10, 14},
	"63": {11, 12}, "64": {10, 11}, "65": {10, 10}, "66": {10, 11}, "81": {11, 12}, "82": {10, 12}, "84": {10, 12},
	"86": {12, 13}, "90": {12, 12}, "91": {12, 12}, "92": {12, 12}, "93": {11, 11}, "94": {11, 11}, "95": {9, 12},
	"98":  {12, 12},
	"212": {12, 12}, "234": {12, 14}, "254": {12, 12}, "351": {12, 12}, "352": {9, 14}, "353": {10, 12},
	"354": {10, 10}, "358": {8, 14}, "359": {10, 12}, "370": {11, 11}, "371": {11, 11}, "372": {10, 11},
	"380": {12, 12}, "385": {10, 12}, "386": {11, 11}, "420": {12, 12}, "421": {12, 12}, "852": {11, 11},
	"853": {11, 11}, "880": {12, 13}, "886": {11, 12}, "966": {12, 12}, "971": {11, 12}, "972": {11, 12},
	"974": {11, 11},
}

// phoneLength returns the shortest and longest length of the international
// number whose country code starts at p (after the '+'; spaces, dashes and
// parentheses may stand between its digits).
func phoneLength(s string, p int) (lo, hi int) {
	var cc []byte
	for k := 0; len(cc) < 3 && k < 12 && p < len(s); k++ {
		r, n := decodeAt(s, p)
		p += n
		if v := digitValue(r); v >= 0 {
			cc = append(cc, byte('0'+v))
			if l, ok := phoneLengths[string(cc)]; ok {
				return l[0], l[1]
			}
			continue
		}
		if !(isSpaceSep(r) || isTransparent(r) || r == '(' || r == ')' || r == '-' || r == '.') {
			break
		}
	}
	return 8, 15
}
