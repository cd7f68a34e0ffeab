package fbfake

import (
	"fmt"
	"strings"
)

// field is one entry of a Graph API `fields` parameter, e.g.
// `comments.filter(stream).limit(5){id,from,parent{id}}`.
type field struct {
	name string
	// mods are the field-expansion modifiers (limit, filter, order, …).
	mods map[string]string
	// sub are the requested subfields; raw is their source text, reused in
	// the nested edge's paging.next link.
	sub []field
	raw string
}

// parseFields parses the Graph API field-expansion syntax. It is lenient
// the way the real API is not, because a fake must not reject what the
// connector sends; unbalanced brackets are the only error.
func parseFields(s string) ([]field, error) {
	var out []field
	for _, tok := range splitTop(s) {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		f := field{mods: map[string]string{}}
		i := strings.IndexAny(tok, ".{")
		if i < 0 {
			f.name = tok
			out = append(out, f)
			continue
		}
		f.name = tok[:i]
		rest := tok[i:]
		for strings.HasPrefix(rest, ".") {
			open := strings.IndexByte(rest, '(')
			if open < 0 {
				return nil, fmt.Errorf("modifier without value in %q", tok)
			}
			closing := strings.IndexByte(rest, ')')
			if closing < open {
				return nil, fmt.Errorf("unbalanced modifier in %q", tok)
			}
			f.mods[rest[1:open]] = rest[open+1 : closing]
			rest = rest[closing+1:]
		}
		if strings.HasPrefix(rest, "{") {
			if !strings.HasSuffix(rest, "}") {
				return nil, fmt.Errorf("unbalanced braces in %q", tok)
			}
			f.raw = rest[1 : len(rest)-1]
			sub, err := parseFields(f.raw)
			if err != nil {
				return nil, err
			}
			f.sub = sub
		} else if rest != "" {
			return nil, fmt.Errorf("unexpected %q in %q", rest, tok)
		}
		out = append(out, f)
	}
	return out, nil
}

// splitTop splits s on the commas that are not inside braces or parentheses.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '(':
			depth++
		case '}', ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// selectFields keeps the requested fields of obj (always with its id, as
// the real API does). Nested objects and lists ({"data":[…]}) are filtered
// by the subfields. edges renders the fields that are edges (nested
// lists with their own paging); an edge renderer returning nil omits the
// field.
func selectFields(obj map[string]any, fields []field, edges map[string]func(field) any) map[string]any {
	if fields == nil {
		return obj
	}
	out := map[string]any{}
	if id, ok := obj["id"]; ok {
		out["id"] = id
	}
	for _, f := range fields {
		if fn, ok := edges[f.name]; ok {
			if v := fn(f); v != nil {
				out[f.name] = v
			}
			continue
		}
		v, ok := obj[f.name]
		if !ok {
			continue
		}
		if f.sub != nil {
			v = selectNested(v, f.sub)
		}
		out[f.name] = v
	}
	return out
}

func selectNested(v any, sub []field) any {
	switch x := v.(type) {
	case map[string]any:
		if data, ok := x["data"].([]any); ok {
			items := make([]any, len(data))
			for i, d := range data {
				items[i] = selectNested(d, sub)
			}
			cp := map[string]any{"data": items}
			if p, ok := x["paging"]; ok {
				cp["paging"] = p
			}
			return cp
		}
		return selectFields(x, sub, nil)
	case []any:
		items := make([]any, len(x))
		for i, d := range x {
			items[i] = selectNested(d, sub)
		}
		return items
	}
	return v
}
