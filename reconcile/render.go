package reconcile

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// Formats of a report.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

// Write renders a report in a format. colour applies to text only.
func Write(w io.Writer, rep *Report, format string, colour bool) error {
	switch format {
	case FormatText, "":
		return WriteText(w, rep, colour)
	case FormatJSON:
		return WriteJSON(w, rep)
	case FormatMarkdown:
		return WriteMarkdown(w, rep)
	case FormatHTML:
		return WriteHTML(w, rep)
	}
	return fmt.Errorf("report format %q: want text, json, markdown or html", format)
}

// WriteJSON writes the versioned JSON report (schema_version 1).
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteMarkdown writes the report for a pull-request comment: a summary
// table, then a details block per change.
func WriteMarkdown(w io.Writer, rep *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### jfsync %s: %s\n\n", rep.Mode, outcomeText(rep))
	fmt.Fprintf(&b, "Sources: %s. Target: %s.\n\n", sourcesText(rep.Sources), rep.Target.URL)
	s := rep.Summary
	b.WriteString("| create | update | disable | delete | API calls |\n|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d |\n\n", s.Create, s.Update, s.Disable, s.Delete, s.APICalls)
	for _, e := range rep.Errors {
		fmt.Fprintf(&b, "> **Error:** %s\n", e)
	}
	for _, bl := range rep.Blocked {
		fmt.Fprintf(&b, "> **Blocked by %s:** %s\n", bl.Guard, bl.Message)
	}
	if len(rep.Errors)+len(rep.Blocked) > 0 {
		b.WriteString("\n")
	}
	for _, c := range rep.Changes {
		fmt.Fprintf(&b, "<details><summary><code>%s %s %s</code> %s</summary>\n\n", symbol(c), c.Kind, mdEscape(c.Name), actionText(c))
		for _, f := range c.Fields {
			fmt.Fprintf(&b, "- `%s`\n", strings.ReplaceAll(fieldText(f), "`", "'"))
		}
		if c.Note != "" {
			fmt.Fprintf(&b, "- %s\n", c.Note)
		}
		if c.Diff != "" {
			fmt.Fprintf(&b, "\n```diff\n%s```\n", c.Diff)
		}
		if rep.Mode == ModeApply && c.Result != ResultPlanned {
			fmt.Fprintf(&b, "- result: **%s** %s\n", c.Result, c.Error)
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s) }

func outcomeText(rep *Report) string {
	switch {
	case rep.Outcome() == OutcomeFailure:
		return "failed"
	case rep.Outcome() == OutcomeBlocked:
		return "blocked"
	case !rep.HasChanges():
		return "no changes"
	case rep.Mode == ModeApply:
		return "applied"
	}
	n := len(rep.Changes) - rep.Count(ResultProtected)
	if p := rep.Count(ResultProtected); p > 0 {
		return fmt.Sprintf("%d changes, %d protected", n, p)
	}
	return fmt.Sprintf("%d changes", n)
}

// WriteHTML writes the report as one self-contained page (no external
// assets).
func WriteHTML(w io.Writer, rep *Report) error {
	return htmlReport().Execute(w, NewHTMLData(rep))
}

// ChangeView is a change as the HTML pages show it.
type ChangeView struct {
	Symbol, Kind, Name, Action, Details, Diff, Result, Error string
}

// HTMLData is what the HTML report and the daemon's status page show of
// a report.
type HTMLData struct {
	Report  *Report
	Title   string
	Sources string
	Outcome string
	Footer  string
	Changes []ChangeView
}

// NewHTMLData is what a page shows of a report.
func NewHTMLData(rep *Report) HTMLData {
	d := HTMLData{Report: rep, Title: "jfsync " + rep.Mode, Sources: sourcesText(rep.Sources), Outcome: outcomeText(rep), Footer: footer(rep)}
	for _, c := range rep.Changes {
		d.Changes = append(d.Changes, ChangeView{Symbol: symbol(c), Kind: c.Kind, Name: c.Name, Action: actionText(c),
			Details: detailText(c), Diff: c.Diff, Result: c.Result, Error: c.Error})
	}
	return d
}

// HTMLStyle is the inline style sheet of jfsync's pages.
const HTMLStyle = `body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
pre{background:#f6f8fa;padding:.5em;margin:.3em 0;overflow-x:auto}.s-plus{color:#1a7f37}.s-tilde{color:#9a6700}
.s-minus{color:#cf222e}.s-bang{color:#8250df}.failed{color:#cf222e;font-weight:bold}.muted{color:#666}`

func htmlReport() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{"symbolClass": symbolClass}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title><style>` + HTMLStyle + `</style></head>
<body><h1>{{.Title}}: {{.Outcome}}</h1>
<p class="muted">Started {{.Report.StartedAt.Format "2006-01-02 15:04:05 UTC"}}; sources {{.Sources}}; target {{.Report.Target.URL}}</p>
{{range .Report.Errors}}<p class="failed">Error: {{.}}</p>{{end}}
{{range .Report.Blocked}}<p class="failed">Blocked by {{.Guard}}: {{.Message}}</p>{{end}}
{{if .Changes}}<table><tr><th></th><th>kind</th><th>name</th><th>action</th><th>details</th><th>result</th></tr>
{{range .Changes}}<tr><td class="{{symbolClass .Symbol}}">{{.Symbol}}</td><td>{{.Kind}}</td><td>{{.Name}}</td><td>{{.Action}}</td>
<td>{{.Details}}{{if .Diff}}<pre>{{.Diff}}</pre>{{end}}</td><td{{if eq .Result "failed"}} class="failed"{{end}}>{{.Result}}{{if .Error}}: {{.Error}}{{end}}</td></tr>
{{end}}</table>{{end}}
<p>{{.Footer}}</p>
</body></html>
`))
}

func symbolClass(s string) string {
	switch s {
	case "+":
		return "s-plus"
	case "~":
		return "s-tilde"
	case "-":
		return "s-minus"
	}
	return "s-bang"
}
