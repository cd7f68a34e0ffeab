package config

import (
	"net/url"
	"sort"
	"strings"
)

// A setting tagged secret:"url" is a connection string (store.dsn,
// nats.url) whose credentials are secret while the rest of it is not: an
// operator needs to see the host and the database in `config show`, and
// a DSN without a password may stay in the YAML file. Only the
// credentials are masked and handed to the log scrubber, and the YAML
// file is refused only when the value carries some.
//
// What counts as a credential:
//   - in any scheme://user:password@host URL, the password;
//   - in a nats://, tls://, ws:// or wss:// URL, a user without a
//     password too, because NATS reads nats://s3cr3t@host as a token;
//   - in a postgres:// URL, the password and sslpassword query
//     parameters;
//   - in a PostgreSQL keyword/value DSN (host=db password=…), the
//     password and sslpassword values, quoted or not.
//
// A list of URLs (nats.url is comma-separated) is scanned URL by URL;
// a postgres:// URL is one URL, whose host part may hold commas.

// span is the byte range [start, end) of one credential in a string.
type span struct{ start, end int }

// credentialSpans returns where the credentials of s are, in order and
// without overlap.
func credentialSpans(s string) []span {
	var out []span
	switch {
	case hasPrefixFold(s, "postgres://") || hasPrefixFold(s, "postgresql://"):
		out = urlSpans(s, 0, false)
	case strings.Contains(s, "://"):
		off := 0
		for _, part := range strings.Split(s, ",") {
			out = append(out, urlSpans(part, off, true)...)
			off += len(part) + 1
		}
	default:
		out = keywordValueSpans(s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// urlSpans finds the credentials of one URL u that starts at off in the
// whole string. userIsToken says a user without a password is a token.
func urlSpans(u string, off int, userIsToken bool) []span {
	i := strings.Index(u, "://")
	if i < 0 {
		return nil
	}
	scheme := strings.ToLower(strings.TrimSpace(u[:i]))
	rest := i + 3
	end := len(u)
	if j := strings.IndexAny(u[rest:], "/?#"); j >= 0 {
		end = rest + j
	}
	var out []span
	// The userinfo ends at the authority's last '@': a password may hold
	// an unescaped '@' in sloppy URLs, a host never does.
	if at := strings.LastIndex(u[rest:end], "@"); at >= 0 {
		info := u[rest : rest+at]
		if c := strings.Index(info, ":"); c >= 0 {
			if c+1 < len(info) {
				out = append(out, span{off + rest + c + 1, off + rest + at})
			}
		} else if info != "" && userIsToken && natsScheme(scheme) {
			out = append(out, span{off + rest, off + rest + at})
		}
	}
	// Query parameters: postgres:// accepts password=… there.
	if q := strings.IndexByte(u[end:], '?'); q >= 0 {
		qs := end + q + 1
		qe := len(u)
		if h := strings.IndexByte(u[qs:], '#'); h >= 0 {
			qe = qs + h
		}
		pos := qs
		for _, kv := range strings.Split(u[qs:qe], "&") {
			k, v, ok := strings.Cut(kv, "=")
			if key, err := url.QueryUnescape(k); ok && err == nil && isPasswordKey(key) && v != "" {
				vs := pos + len(k) + 1
				out = append(out, span{off + vs, off + vs + len(v)})
			}
			pos += len(kv) + 1
		}
	}
	return out
}

func natsScheme(scheme string) bool {
	switch scheme {
	case "nats", "tls", "ws", "wss":
		return true
	}
	return false
}

func isPasswordKey(k string) bool {
	k = strings.ToLower(k)
	return k == "password" || k == "sslpassword"
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// keywordValueSpans finds the password values of a PostgreSQL
// keyword/value string, following libpq's (and pgx's) quoting rules:
// a value is a run of non-space characters, or '…' with \' and \\
// escapes. Anything else (a SQLite path, say) has no credentials.
func keywordValueSpans(s string) []span {
	var out []span
	i := 0
	for i < len(s) {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			break
		}
		key := strings.TrimRight(s[i:i+eq], " \t\n\r\v\f")
		i += eq + 1
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		start, end := i, i
		if i < len(s) && s[i] == '\'' {
			start = i + 1
			end = start
			for end < len(s) && s[end] != '\'' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			end = min(end, len(s))
			i = end + 1
		} else {
			for end < len(s) && !isSpace(s[end]) {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			end = min(end, len(s))
			i = end
		}
		if isPasswordKey(key) && end > start {
			out = append(out, span{start, end})
		}
	}
	return out
}

func isSpace(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// maskCredentials returns s with every credential replaced by mask.
func maskCredentials(s, mask string) string {
	spans := credentialSpans(s)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.start])
		b.WriteString(mask)
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// credentialValues returns the credentials of s as written and, where it
// differs, as the server receives them (percent-decoded, unescaped),
// because a log line may show either: a URL in an error message, or the
// password in a driver's own message.
func credentialValues(s string) []string {
	var out []string
	for _, sp := range credentialSpans(s) {
		raw := s[sp.start:sp.end]
		out = append(out, raw)
		if d, err := url.PathUnescape(raw); err == nil && d != raw {
			out = append(out, d)
		}
		if d, err := url.QueryUnescape(raw); err == nil && d != raw {
			out = append(out, d)
		}
		if d := strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(raw); d != raw {
			out = append(out, d)
		}
	}
	return out
}
