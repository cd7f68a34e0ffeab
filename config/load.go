package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment override.
const EnvPrefix = "INBOXBOT_"

// The values of the secret struct tag that this package understands.
const (
	// secretWhole (secret:"true") marks a setting that is a secret as a
	// whole: refused in the YAML file, read from <key>_file, masked
	// whole, scrubbed from logs.
	secretWhole = "true"
	// secretURL (secret:"url") marks a connection string whose
	// credentials only are secret (see credentials.go): refused in the
	// YAML file only when it holds some, read from <key>_file, masked and
	// scrubbed credentials only.
	secretURL = "url"
)

// isSecret reports whether f holds a secret, whole or in part, and so
// may be read from a <key>_file setting.
func isSecret(f reflect.StructField) bool {
	k := f.Tag.Get("secret")
	return k == secretWhole || k == secretURL
}

// Load reads the YAML file at path (none when path is ""), applies the
// environment overrides in env (as from os.Environ), reads secrets from
// their *_file settings, fills in defaults and validates. The error, if
// any, is Problems listing every problem by key.
func Load(path string, env []string) (Config, error) {
	var c Config
	var ps Problems
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, Problems{{Key: "--config", Message: err.Error()}}
		}
		ps = append(ps, decodeYAML(data, &c)...)
	}
	ps = append(ps, applyEnv(&c, envMap(env))...)
	ps = append(ps, resolveSecretFiles(&c)...)
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		var vps Problems
		if errors.As(err, &vps) {
			ps = append(ps, vps...)
		}
	}
	if len(ps) > 0 {
		return c, ps
	}
	return c, nil
}

// Find returns the config file to use: explicit when given, else
// DefaultFile when it exists in the working directory, else "" (built-in
// defaults plus environment).
func Find(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if _, err := os.Stat(DefaultFile); err == nil {
		return DefaultFile
	}
	return ""
}

func envMap(env []string) map[string]string {
	m := make(map[string]string)
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			m[k] = v
		}
	}
	return m
}

// decodeYAML decodes data into c, reporting unknown keys and type errors by
// their dotted key, and refusing secrets written in the file.
func decodeYAML(data []byte, c *Config) Problems {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Problems{{Key: "(file)", Message: err.Error()}}
	}
	if len(root.Content) == 0 {
		return nil // empty file: all defaults
	}
	var ps Problems
	walkNode(root.Content[0], reflect.TypeOf(*c), "", &ps)
	// Decode what is valid even when some keys are not, so that Validate
	// can still report every other problem in the same run. yaml.v3 skips
	// unknown keys and bad values, which walkNode has already named.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(c); err != nil && len(ps) == 0 {
		return Problems{{Key: "(file)", Message: err.Error()}}
	}
	return ps
}

// walkNode checks a mapping node against a struct type: every key must be a
// field, secrets must not be set, and scalar values must parse.
func walkNode(n *yaml.Node, t reflect.Type, prefix string, ps *Problems) {
	if n.Kind != yaml.MappingNode {
		if n.Tag == "!!null" {
			return
		}
		*ps = append(*ps, Problem{Key: orRoot(prefix), Message: fmt.Sprintf("line %d: expected a mapping", n.Line)})
		return
	}
	fields := fieldsByKey(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := join(prefix, k.Value)
		if prefix == "" {
			key = k.Value
		}
		if k.Value == "" { // an empty or non-scalar key
			key = `""`
			if prefix != "" {
				key = prefix + `.""`
			}
		}
		f, ok := fields[k.Value]
		if !ok {
			*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf("line %d: unknown key", k.Line)})
			continue
		}
		if f.Tag.Get("secret") == secretWhole && v.Value != "" {
			*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf("line %d: secrets must not be written in the config file; set %s or %s_file", k.Line, envName(key), k.Value)})
			continue
		}
		if f.Tag.Get("secret") == secretURL && len(credentialSpans(v.Value)) > 0 {
			// The message names where the value may go instead and never
			// repeats it: it would put the password in a terminal or a CI log.
			*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf("line %d: holds a password or token, which must not be written in the config file; "+
				"write it here without one, or set the whole value in %s or in a file named by %s_file", k.Line, envName(key), k.Value)})
			continue
		}
		if isSection(f.Type) {
			walkNode(v, f.Type, key, ps)
			continue
		}
		if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			if _, err := parseScalar(v.Value, f.Type); err != nil {
				*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf("line %d: %v", v.Line, err)})
			}
		}
	}
}

func orRoot(s string) string {
	if s == "" {
		return "(file)"
	}
	return s
}

// isSection reports whether t is a nested settings struct (not a scalar
// such as time.Duration).
func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != reflect.TypeOf(time.Time{})
}

func fieldsByKey(t reflect.Type) map[string]reflect.StructField {
	m := make(map[string]reflect.StructField)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key := yamlKey(f)
		if key != "" && f.IsExported() {
			m[key] = f
		}
	}
	return m
}

func yamlKey(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if tag == "-" {
		return ""
	}
	if tag == "" {
		return strings.ToLower(f.Name)
	}
	return tag
}

func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// leaf is one scalar setting reachable by reflection.
type leaf struct {
	key   string
	field reflect.StructField
	value reflect.Value
}

// leaves lists every scalar setting of v (a pointer to a struct).
func leaves(v reflect.Value, prefix string) []leaf {
	var out []leaf
	v = v.Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key := yamlKey(f)
		if key == "" || !f.IsExported() {
			continue
		}
		if prefix != "" {
			key = prefix + "." + key
		}
		if isSection(f.Type) {
			out = append(out, leaves(v.Field(i).Addr(), key)...)
			continue
		}
		out = append(out, leaf{key: key, field: f, value: v.Field(i)})
	}
	return out
}

// applyEnv sets every leaf whose INBOXBOT_<SECTION>_<KEY> variable is set.
func applyEnv(c *Config, env map[string]string) Problems {
	var ps Problems
	for _, l := range leaves(reflect.ValueOf(c), "") {
		s, ok := env[envName(l.key)]
		if !ok {
			continue
		}
		v, err := parseScalar(s, l.field.Type)
		if err != nil {
			ps = append(ps, Problem{Key: l.key, Message: fmt.Sprintf("%s: %v", envName(l.key), err)})
			continue
		}
		l.value.Set(v)
	}
	return ps
}

// parseScalar parses s as a value of type t: strings, bools, ints,
// floats, durations and comma-separated string lists.
func parseScalar(s string, t reflect.Type) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	if t.Kind() == reflect.Pointer {
		// Optional settings (*bool and the like): nil means "default".
		e, err := parseScalar(s, t.Elem())
		if err != nil {
			return v, err
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(e)
		return p, nil
	}
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return v, fmt.Errorf("%q is not a duration such as 30s or 5m", s)
		}
		v.SetInt(int64(d))
	case t.Kind() == reflect.String:
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return v, fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return v, fmt.Errorf("%q is not a whole number", s)
		}
		v.SetInt(n)
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return v, fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(n)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		v.Set(reflect.ValueOf(parts).Convert(t))
	default:
		// Lists and maps are set in the YAML file only; there is no
		// unambiguous environment spelling for them.
		return v, fmt.Errorf("cannot be set from the environment")
	}
	return v, nil
}

// resolveSecretFiles reads each secret from its <key>_file setting.
func resolveSecretFiles(c *Config) Problems {
	var ps Problems
	all := leaves(reflect.ValueOf(c), "")
	byKey := make(map[string]leaf, len(all))
	for _, l := range all {
		byKey[l.key] = l
	}
	for _, l := range all {
		if !isSecret(l.field) {
			continue
		}
		fl, ok := byKey[l.key+"_file"]
		if !ok {
			continue
		}
		path := fl.value.String()
		if path == "" {
			continue
		}
		if l.value.String() != "" {
			ps = append(ps, Problem{Key: l.key, Message: "set both directly and through " + l.key + "_file; keep one"})
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			msg := err.Error()
			if errors.Is(err, fs.ErrNotExist) {
				msg = "file " + path + " does not exist"
			}
			ps = append(ps, Problem{Key: l.key + "_file", Message: msg})
			continue
		}
		l.value.SetString(strings.TrimRight(string(data), "\r\n"))
	}
	return ps
}

// mask replaces a secret in printed configs.
const mask = "********"

// Masked returns a copy of c with every secret replaced by "********", for
// printing. Of a connection string (store.dsn, nats.url) only the password
// or token is replaced, so that the host and database stay readable.
func (c Config) Masked() Config {
	for _, l := range leaves(reflect.ValueOf(&c), "") {
		if !isSecret(l.field) || l.value.String() == "" {
			continue
		}
		switch l.field.Tag.Get("secret") {
		case secretWhole:
			l.value.SetString(mask)
		case secretURL:
			l.value.SetString(maskCredentials(l.value.String(), mask))
		}
	}
	return c
}

// YAML renders the masked config as YAML.
func (c Config) YAML() string {
	out, err := yaml.Marshal(c.Masked())
	if err != nil {
		return "# " + err.Error()
	}
	return string(out)
}

// Secrets returns the values of every secret that is set, so that a log
// handler can scrub them from anything logged: whole secrets, and the
// passwords and tokens inside connection strings (as written and as
// decoded).
func (c Config) Secrets() []string {
	var out []string
	for _, l := range leaves(reflect.ValueOf(&c), "") {
		if !isSecret(l.field) || l.value.String() == "" {
			continue
		}
		switch l.field.Tag.Get("secret") {
		case secretWhole:
			out = append(out, l.value.String())
		case secretURL:
			out = append(out, credentialValues(l.value.String())...)
		}
	}
	return out
}
