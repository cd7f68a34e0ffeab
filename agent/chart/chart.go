// Package chart draws the desk's report charts as inline SVG on the
// server: no script, no chart library, nothing fetched by the browser,
// and a page that shows its figures even with JavaScript off.
//
// Every chart is a value with an SVG method that returns markup safe to
// put in an html/template: labels are escaped here. Each drawn mark
// carries its figure in data-* attributes and a <title> tooltip, and the
// root element its total (data-total), so that tests and assistive tools
// read what is drawn, not pixels. Colours are SVG presentation attributes,
// which the desk's Content-Security-Policy (no inline styles) allows.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Palette colours series in order; it repeats past its end. The colours
// are told apart by people with the common colour-vision deficiencies
// (Okabe–Ito).
var Palette = []string{"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999"}

// Colour returns the i-th palette colour.
func Colour(i int) string { return Palette[i%len(Palette)] }

// Default sizes, in SVG user units (the charts scale to their container).
const (
	DefaultWidth  = 720
	DefaultHeight = 240
	fontSize      = 11
	font          = "system-ui, sans-serif"
)

// Series is one stacked series of a Bars chart: a name and one value per
// category.
type Series struct {
	Name   string
	Values []int
}

// Bars is a stacked bar chart over categories, e.g. days.
type Bars struct {
	// ID is the element id; Title its accessible name and tooltip.
	ID, Title string
	// Labels name the categories, left to right.
	Labels []string
	// Series stack bottom-up, each in its palette colour.
	Series        []Series
	Width, Height int
}

// Total is the sum of every value.
func (b Bars) Total() int {
	n := 0
	for _, s := range b.Series {
		for _, v := range s.Values {
			n += v
		}
	}
	return n
}

// svg is a small builder of SVG markup with escaping.
type svg struct{ strings.Builder }

func (w *svg) printf(format string, a ...any) { fmt.Fprintf(&w.Builder, format, a...) }

// esc escapes text for an attribute or element body.
func esc(s string) string { return template.HTMLEscapeString(s) }

// num formats a coordinate with at most one decimal.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

func (w *svg) open(id, title, kind string, width, height, total int) {
	w.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-%s" id="%s" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" data-total="%d" font-family="%s" font-size="%d">`,
		kind, esc(id), width, height, esc(title), total, font, fontSize)
	w.printf(`<title>%s</title>`, esc(title))
}

// legend draws the series names in a row at the top, from x.
func (w *svg) legend(names []string, x float64) {
	for i, n := range names {
		w.printf(`<g class="legend-item" data-series="%s"><rect x="%s" y="4" width="10" height="10" fill="%s"/><text x="%s" y="13">%s</text></g>`,
			esc(n), num(x), Colour(i), num(x+14), esc(n))
		x += 14 + float64(len([]rune(n)))*6.5 + 16
	}
}

// niceMax rounds m up to 1, 2 or 5 times a power of ten, for the axis.
func niceMax(m float64) float64 {
	if m <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= m {
			return f * p
		}
	}
	return 10 * p
}

// SVG draws the chart. An empty chart says so instead of drawing axes.
func (b Bars) SVG() template.HTML {
	width, height := orDefault(b.Width, DefaultWidth), orDefault(b.Height, DefaultHeight)
	var w svg
	total := b.Total()
	w.open(b.ID, b.Title, "bars", width, height, total)
	const left, right, top, bottom = 40.0, 8.0, 24.0, 28.0
	names := make([]string, len(b.Series))
	for i, s := range b.Series {
		names[i] = s.Name
	}
	w.legend(names, left)
	plotW, plotH := float64(width)-left-right, float64(height)-top-bottom
	if total == 0 || len(b.Labels) == 0 {
		w.printf(`<text class="empty" x="%s" y="%s" text-anchor="middle">Nothing in this period</text></svg>`, num(left+plotW/2), num(top+plotH/2))
		return template.HTML(w.String())
	}
	stack := make([]int, len(b.Labels))
	for _, s := range b.Series {
		for i := range b.Labels {
			if i < len(s.Values) {
				stack[i] += s.Values[i]
			}
		}
	}
	peak := 0
	for _, v := range stack {
		peak = max(peak, v)
	}
	top2 := niceMax(float64(peak))
	// Axis and gridlines at 0, half and the top.
	for _, f := range []float64{0, 0.5, 1} {
		y := top + plotH*(1-f)
		w.printf(`<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#d0d5dd" stroke-width="1"/>`, num(left), num(left+plotW), num(y), num(y))
		w.printf(`<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>`, num(left-4), num(y+4), strconv.FormatFloat(top2*f, 'f', -1, 64))
	}
	slot := plotW / float64(len(b.Labels))
	barW := math.Max(1, slot*0.7)
	every := int(math.Ceil(float64(len(b.Labels)) * 42 / plotW)) // a label every 42 units at most
	for i, label := range b.Labels {
		x := left + slot*float64(i) + (slot-barW)/2
		y := top + plotH
		w.printf(`<g class="column" data-label="%s" data-value="%d">`, esc(label), stack[i])
		for si, s := range b.Series {
			if i >= len(s.Values) || s.Values[i] == 0 {
				continue
			}
			h := plotH * float64(s.Values[i]) / top2
			y -= h
			w.printf(`<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s" data-series="%s" data-label="%s" data-value="%d"><title>%s, %s: %d</title></rect>`,
				num(x), num(y), num(barW), num(h), Colour(si), esc(s.Name), esc(label), s.Values[i], esc(s.Name), esc(label), s.Values[i])
		}
		w.printf(`</g>`)
		if i%every == 0 {
			w.printf(`<text class="label" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x+barW/2), num(top+plotH+16), esc(label))
		}
	}
	w.printf(`</svg>`)
	return template.HTML(w.String())
}

// Range is one row of a Ranges chart: a median and a 90th percentile.
type Range struct {
	Label string
	// Low is drawn dark, High light behind it; N is shown after the label.
	Low, High float64
	N         int
}

// Ranges draws horizontal bars of two values per row, e.g. the median and
// 90th percentile of a response time, on one shared scale.
type Ranges struct {
	ID, Title string
	Rows      []Range
	// LowName and HighName name the two values in the legend.
	LowName, HighName string
	// Format writes a value for the tooltips and the scale.
	Format func(float64) string
	Width  int
}

// SVG draws the chart; its height follows the number of rows.
func (r Ranges) SVG() template.HTML {
	const rowH, left, right, top = 22.0, 150.0, 60.0, 24.0
	width := orDefault(r.Width, DefaultWidth)
	height := int(top + rowH*float64(max(len(r.Rows), 1)) + 8)
	format := r.Format
	if format == nil {
		format = func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	}
	total := 0
	peak := 0.0
	for _, row := range r.Rows {
		total += row.N
		peak = math.Max(peak, math.Max(row.Low, row.High))
	}
	var w svg
	w.open(r.ID, r.Title, "ranges", width, height, total)
	w.legend([]string{r.LowName, r.HighName}, left)
	if len(r.Rows) == 0 {
		w.printf(`<text class="empty" x="%s" y="%s" text-anchor="middle">Nothing in this period</text></svg>`, num(float64(width)/2), num(top+rowH/2+4))
		return template.HTML(w.String())
	}
	plotW := float64(width) - left - right
	scale := plotW / math.Max(peak, 1e-9)
	for i, row := range r.Rows {
		y := top + rowH*float64(i)
		w.printf(`<g class="row" data-label="%s" data-n="%d" data-low="%s" data-high="%s">`, esc(row.Label), row.N, num(row.Low), num(row.High))
		w.printf(`<text class="label" x="%s" y="%s" text-anchor="end">%s (%d)</text>`, num(left-6), num(y+rowH/2+4), esc(row.Label), row.N)
		w.printf(`<rect class="bar high" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s: %s</title></rect>`,
			num(left), num(y+3), num(math.Max(row.High*scale, 1)), num(rowH-6), Colour(1), esc(row.Label), esc(r.HighName), esc(format(row.High)))
		w.printf(`<rect class="bar low" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s: %s</title></rect>`,
			num(left), num(y+7), num(math.Max(row.Low*scale, 1)), num(rowH-14), Colour(0), esc(row.Label), esc(r.LowName), esc(format(row.Low)))
		w.printf(`<text class="value" x="%s" y="%s">%s</text>`, num(left+row.High*scale+4), num(y+rowH/2+4), esc(format(row.High)))
		w.printf(`</g>`)
	}
	w.printf(`</svg>`)
	return template.HTML(w.String())
}

// Part is one share of a Split.
type Part struct {
	Name  string
	Value int
}

// Split is one bar divided into the shares of a whole, e.g. automatic
// and agents' answers.
type Split struct {
	ID, Title string
	Parts     []Part
	Width     int
}

// SVG draws the bar, each part labelled with its percentage.
func (sp Split) SVG() template.HTML {
	width, height := orDefault(sp.Width, DefaultWidth), 64
	total := 0
	names := make([]string, len(sp.Parts))
	for i, p := range sp.Parts {
		total += p.Value
		names[i] = p.Name
	}
	var w svg
	w.open(sp.ID, sp.Title, "split", width, height, total)
	w.legend(names, 8)
	if total == 0 {
		w.printf(`<text class="empty" x="%s" y="44" text-anchor="middle">Nothing in this period</text></svg>`, num(float64(width)/2))
		return template.HTML(w.String())
	}
	x, plotW := 8.0, float64(width)-16
	for i, p := range sp.Parts {
		if p.Value == 0 {
			continue
		}
		wd := plotW * float64(p.Value) / float64(total)
		pct := Percent(p.Value, total)
		w.printf(`<g class="part" data-series="%s" data-value="%d"><rect class="bar" x="%s" y="24" width="%s" height="30" fill="%s"><title>%s: %d (%s)</title></rect>`,
			esc(p.Name), p.Value, num(x), num(wd), Colour(i), esc(p.Name), p.Value, pct)
		if wd > 40 {
			w.printf(`<text x="%s" y="44" text-anchor="middle" fill="#fff">%s</text>`, num(x+wd/2), pct)
		}
		w.printf(`</g>`)
		x += wd
	}
	w.printf(`</svg>`)
	return template.HTML(w.String())
}

// Percent formats n of total as a whole percentage, "0%" when total is 0.
func Percent(n, total int) string {
	if total == 0 {
		return "0%"
	}
	return strconv.Itoa(int(math.Round(100*float64(n)/float64(total)))) + "%"
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
