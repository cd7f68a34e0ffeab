package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// NewHandler wraps an slog.Handler so that the message and every string
// attribute (including nested groups, and values of kind Any that are error
// or fmt.Stringer — render them to string and redact) are redacted before
// they reach h. Secrets reach logs through error messages and customer text
// far more often than through deliberate attributes, so every string-like
// value is scanned. An attribute's key is read as context: slog.String("pin",
// "1234") is redacted although the value alone has no keyword. Integer
// values that are secrets on their own (ten digits, a Luhn-valid card) or
// after their key ("pin"=1234) become placeholder strings. Other Any values
// are formatted with %+v and replaced by the redacted text only when it
// holds a secret, so that clean structured values keep their form.
func NewHandler(h slog.Handler, opts ...HandlerOption) slog.Handler {
	return std.NewHandler(h, opts...)
}

// NewHandler is the package-level NewHandler with rd's options.
func (rd *Redactor) NewHandler(h slog.Handler, opts ...HandlerOption) slog.Handler {
	x := &handler{h: h, rd: rd}
	for _, o := range opts {
		o(x)
	}
	return x
}

// HandlerOption tunes a handler made by NewHandler.
type HandlerOption func(*handler)

// KeepAttrs leaves the attributes for which keep reports true as they are.
// It is meant for values that never hold customer text, such as platform
// ids: a 19-digit tweet id passes the Luhn check one time in ten and a
// 10-digit Page id reads as a booking number, and masking them leaves an
// operator unable to find the item the log line is about. keep sees
// each attribute with its value resolved, including the members of groups
// (a group itself is never kept whole); the message is always redacted.
func KeepAttrs(keep func(slog.Attr) bool) HandlerOption {
	return func(x *handler) { x.keep = keep }
}

type handler struct {
	h    slog.Handler
	rd   *Redactor
	keep func(slog.Attr) bool // nil: redact every attribute
}

func (x *handler) Enabled(ctx context.Context, l slog.Level) bool {
	return x.h.Enabled(ctx, l)
}

func (x *handler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, x.rd.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(x.redactAttr(a))
		return true
	})
	return x.h.Handle(ctx, nr)
}

func (x *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = x.redactAttr(a)
	}
	return &handler{h: x.h.WithAttrs(out), rd: x.rd, keep: x.keep}
}

func (x *handler) WithGroup(name string) slog.Handler {
	return &handler{h: x.h.WithGroup(name), rd: x.rd, keep: x.keep}
}

func (x *handler) redactAttr(a slog.Attr) slog.Attr {
	rd := x.rd
	v := a.Value.Resolve()
	if x.keep != nil && v.Kind() != slog.KindGroup && x.keep(slog.Attr{Key: a.Key, Value: v}) {
		return slog.Attr{Key: a.Key, Value: v}
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, rd.redactValue(a.Key, v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = x.redactAttr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindInt64, slog.KindUint64:
		d := v.String()
		if r := rd.redactValue(a.Key, d); r != d {
			return slog.String(a.Key, r)
		}
	case slog.KindAny:
		switch val := v.Any().(type) {
		case error:
			return slog.String(a.Key, rd.redactValue(a.Key, safeString(func() string { return val.Error() })))
		case fmt.Stringer:
			return slog.String(a.Key, rd.redactValue(a.Key, safeString(val.String)))
		case []byte:
			return slog.String(a.Key, rd.redactValue(a.Key, string(val)))
		default:
			s := safeString(func() string { return fmt.Sprintf("%+v", val) })
			if r := rd.redactValue(a.Key, s); r != s {
				return slog.String(a.Key, r)
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// redactValue redacts val with "key: " in front of it as context.
func (rd *Redactor) redactValue(key, val string) string {
	ctx := key + ": "
	buf := ctx + val
	fs := rd.findFrom(buf, len(ctx))
	if len(fs) == 0 {
		return val
	}
	return apply(buf, len(ctx), fs)
}

// safeString calls f and turns a panic (a nil receiver, say) into a fixed
// text, since a log call must not bring the service down.
func safeString(f func() string) (s string) {
	defer func() {
		if recover() != nil {
			s = "!PANIC rendering value"
		}
	}()
	return f()
}
