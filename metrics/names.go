package metrics

import (
	"reflect"
	"regexp"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Series are the metric names a scrape of the registry can show, each
// with the label names it carries: every inboxbot metric (a histogram
// as its _bucket, _sum and _count series, which also carry "le" for
// _bucket) and the Go and process collectors' metrics. A vector that
// has seen no value yet is not in a scrape, but its name is here, so
// that alert rules and dashboards can be checked against it.
func (m *Metrics) Series() map[string][]string {
	out := map[string][]string{}
	v := reflect.ValueOf(m).Elem()
	for i := 0; i < v.NumField(); i++ {
		c, ok := v.Field(i).Interface().(prometheus.Collector)
		if _, reg := c.(*prometheus.Registry); !ok || reg || v.Field(i).IsNil() {
			// The registry is a Collector too, of everything at once.
			continue
		}
		_, histogram := c.(*prometheus.HistogramVec)
		for _, d := range describe(c) {
			name, labels := parseDesc(d)
			if !histogram {
				out[name] = labels
				continue
			}
			out[name+"_bucket"] = append(append([]string(nil), labels...), "le")
			out[name+"_sum"] = labels
			out[name+"_count"] = labels
		}
	}
	// The Go and process collectors: what they gather now is what they
	// export (their metrics have no vector labels worth checking).
	if mfs, err := m.Registry.Gather(); err == nil {
		for _, mf := range mfs {
			name := mf.GetName()
			if _, ok := out[name]; ok {
				continue
			}
			labels := []string{}
			if ms := mf.GetMetric(); len(ms) > 0 {
				for _, lp := range ms[0].GetLabel() {
					labels = append(labels, lp.GetName())
				}
			}
			out[name] = labels
		}
	}
	return out
}

// describe collects a collector's descriptions.
func describe(c prometheus.Collector) []*prometheus.Desc {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	var out []*prometheus.Desc
	for d := range ch {
		out = append(out, d)
	}
	return out
}

// descRE reads the name and variable labels out of Desc.String, the only
// place client_golang shows them.
var descRE = regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)

func parseDesc(d *prometheus.Desc) (string, []string) {
	m := descRE.FindStringSubmatch(d.String())
	if m == nil {
		return "", nil
	}
	labels := []string{}
	for _, l := range strings.Split(m[2], ",") {
		if l = strings.TrimSpace(l); l != "" {
			labels = append(labels, l)
		}
	}
	return m[1], labels
}
