package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Setting is one value to write into a config file: Key is its dotted
// path ("facebook.page_id"), Value a string, bool, int or float.
type Setting struct {
	Key   string
	Value any
}

// SetInFile writes settings into the YAML config file at path, keeping
// its comments, order and every other setting, so that the commands that
// set inboxbot up (`inboxbot connect …`) never need a hand edit of the
// file. Keys must exist; secrets are refused (they belong in the files
// their *_file settings name). The file is replaced atomically, keeping
// its mode, and only when the result still loads.
func SetInFile(path string, settings ...Setting) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: the file is not a mapping of settings", path)
	}
	for _, s := range settings {
		f, err := settingField(s.Key)
		if err != nil {
			return err
		}
		if isSecret(f) {
			return fmt.Errorf("%s is a secret and is never written into the config file; write it to the file named by %s_file", s.Key, s.Key)
		}
		setNode(root, strings.Split(s.Key, "."), scalar(s.Value))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	var c Config
	if ps := decodeYAML(buf.Bytes(), &c); len(ps) > 0 {
		return fmt.Errorf("the edited %s would not load: %w", path, ps)
	}
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	return writeFileAtomic(path, buf.Bytes(), mode)
}

// WriteSecret writes a secret into the file at path (mode 0600, its
// directory created with mode 0700), replacing what the file held: the
// file a *_file setting names.
func WriteSecret(path, value string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return writeFileAtomic(path, []byte(value+"\n"), 0o600)
}

// settingField finds the Config field of a dotted key.
func settingField(key string) (reflect.StructField, error) {
	t := reflect.TypeOf(Config{})
	parts := strings.Split(key, ".")
	for i, p := range parts {
		f, ok := fieldsByKey(t)[p]
		if !ok {
			return reflect.StructField{}, fmt.Errorf("%s: unknown key", key)
		}
		if i == len(parts)-1 {
			if isSection(f.Type) {
				return reflect.StructField{}, fmt.Errorf("%s: is a section, not a setting", key)
			}
			return f, nil
		}
		if !isSection(f.Type) {
			return reflect.StructField{}, fmt.Errorf("%s: unknown key", key)
		}
		t = f.Type
	}
	return reflect.StructField{}, fmt.Errorf("%q: empty key", key)
}

// scalar renders v as a YAML scalar node.
func scalar(v any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode}
	switch v := v.(type) {
	case bool:
		n.Tag, n.Value = "!!bool", strconv.FormatBool(v)
	case int:
		n.Tag, n.Value = "!!int", strconv.Itoa(v)
	case int64:
		n.Tag, n.Value = "!!int", strconv.FormatInt(v, 10)
	case float64:
		n.Tag, n.Value = "!!float", strconv.FormatFloat(v, 'f', -1, 64)
	default:
		// Strings are always quoted when they could read as something
		// else ("123", "true", "v27.0" are fine; yaml.v3 decides).
		n.Tag, n.Value = "!!str", fmt.Sprint(v)
	}
	return n
}

// setNode sets the value at path under the mapping m, creating the
// sections on the way and replacing a null or scalar value in place (so
// that its comments stay).
func setNode(m *yaml.Node, path []string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Value != path[0] {
			continue
		}
		if len(path) == 1 {
			value.HeadComment, value.LineComment, value.FootComment = v.HeadComment, v.LineComment, v.FootComment
			m.Content[i+1] = value
			return
		}
		if v.Kind != yaml.MappingNode {
			// "facebook:" with nothing under it, or a null.
			nv := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", LineComment: v.LineComment, HeadComment: v.HeadComment}
			m.Content[i+1] = nv
			v = nv
		}
		setNode(v, path[1:], value)
		return
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: path[0]}
	if len(path) == 1 {
		m.Content = append(m.Content, key, value)
		return
	}
	sub := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, key, sub)
	setNode(sub, path[1:], value)
}

// writeFileAtomic replaces path with data, with the given mode, through
// a temporary file in the same directory: a crash leaves the old file
// or the new one, never half of it.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
