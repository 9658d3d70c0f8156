package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wfpconsole/wfp/cfclient"
	"github.com/wfpconsole/wfp/cfclient/cache"
	"github.com/wfpconsole/wfp/internal/selector"
	"github.com/wfpconsole/wfp/internal/termsafe"
)

// scriptsUsage is the help of `wfp scripts`.
const scriptsUsage = `usage: wfp scripts ls <namespace> [selector] [--json | --csv] [--cached] [--read-values]

Lists a namespace's scripts (one API request per 1,000; the listing is saved
to the cache that wfp bulk plan --cached and the console read), narrowed by
the selector, in listing order. The selector is the console's filter:
  name text (fuzzy)   =text (substring)   !text (not matching)
  -t tag,!tag         tags (has every tag, none of the !tags)
  created>90d  modified<2026-01-01  idle>30d  tier:free   ages, dates, tier
idle reads the last-used keys (one request per 1,000 keys); keys without
metadata need their values read: --read-values spends that (its cost is
printed otherwise, and those scripts are left out).

  --json      a JSON array of {name, tier, customer, tags, created_on,
              modified_on, last_used, etag}
  --csv       the same as CSV with a header row (tags joined by ";")
  --cached    use the listing cache: no request for the listing

` + commonUsage + `
exit status: 0 listed, 1 failure, 64 bad usage
`

// scriptRow is one script as scripts ls prints it.
type scriptRow struct {
	Name       string     `json:"name"`
	Tier       string     `json:"tier,omitempty"`
	Customer   string     `json:"customer,omitempty"`
	Tags       []string   `json:"tags"`
	CreatedOn  time.Time  `json:"created_on"`
	ModifiedOn time.Time  `json:"modified_on"`
	LastUsed   *time.Time `json:"last_used,omitempty"`
	ETag       string     `json:"etag,omitempty"`
}

// runScripts runs `wfp scripts ls`.
func runScripts(args []string, h headlessEnv) int {
	if len(args) == 0 || args[0] != "ls" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(h.stdout, scriptsUsage)
			return exitOK
		}
		return h.usage("scripts", "want the subcommand ls")
	}
	fs := flag.NewFlagSet("wfp scripts ls", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c commonFlags
	setRO := c.register(fs)
	asJSON := fs.Bool("json", false, "")
	asCSV := fs.Bool("csv", false, "")
	cached := fs.Bool("cached", false, "")
	readValues := fs.Bool("read-values", false, "")
	pos, code, done := h.parseArgs(fs, args[1:], "scripts ls", scriptsUsage)
	if done {
		return code
	}
	setRO()
	if len(pos) == 0 {
		return h.usage("scripts ls", "missing the namespace")
	}
	if *asJSON && *asCSV {
		return h.usage("scripts ls", "--json and --csv are exclusive")
	}
	rt, err := h.openRuntime(c)
	if err != nil {
		return h.fail("scripts ls", err)
	}
	defer rt.Close()
	ctx, stop := h.context()
	defer stop()
	ns := pos[0]
	all, _, err := listNamespace(ctx, rt, ns, *cached)
	if err != nil {
		return h.fail("scripts ls", err)
	}
	sel, err := selectScripts(ctx, rt, all, strings.Join(pos[1:], " "), *readValues)
	if err != nil {
		return h.fail("scripts ls", err)
	}
	if sel.unknown > 0 {
		fmt.Fprintf(h.stderr, "wfp scripts ls: %d scripts left out: their last use is unread (%s; --read-values reads them)\n",
			sel.unknown, sel.unreadCost)
	}
	var lu *cache.LastUse
	if sel.query.Uses(selector.Idle) {
		lu = rt.LastUsed.Cached()
	}
	rows := scriptRows(rt, sel.scripts, lu)
	w := bufio.NewWriter(h.stdout)
	defer w.Flush()
	switch {
	case *asJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return h.fail("scripts ls", err)
		}
	case *asCSV:
		writeScriptsCSV(w, rows)
	default:
		writeScriptsTable(w, rows)
	}
	return exitOK
}

// scriptRows makes the rows of scripts (lu: last use, when read).
func scriptRows(rt *Runtime, scripts []cfclient.Script, lu *cache.LastUse) []scriptRow {
	schema := rt.Client.Schema()
	rows := make([]scriptRow, len(scripts))
	for i, s := range scripts {
		tier, _ := schema.TierOf(s.Tags)
		cust, _ := schema.CustomerOf(s.Tags)
		tags := s.Tags
		if tags == nil {
			tags = []string{}
		}
		rows[i] = scriptRow{Name: s.Name, Tier: tier, Customer: cust, Tags: tags,
			CreatedOn: s.CreatedOn, ModifiedOn: s.ModifiedOn, ETag: s.ETag}
		if lu != nil {
			if at, ok := lu.Get(s.Name); ok {
				rows[i].LastUsed = &at
			}
		}
	}
	return rows
}

// writeScriptsCSV writes rows as CSV; tenant text is escaped as the
// console shows it (a CSV may end up on a terminal).
func writeScriptsCSV(w io.Writer, rows []scriptRow) {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"name", "tier", "customer", "tags", "created_on", "modified_on", "last_used", "etag"})
	for _, r := range rows {
		last := ""
		if r.LastUsed != nil {
			last = r.LastUsed.UTC().Format(time.RFC3339)
		}
		tags := make([]string, len(r.Tags))
		for i, t := range r.Tags {
			tags[i] = termsafe.Line(t)
		}
		_ = cw.Write([]string{termsafe.Line(r.Name), termsafe.Line(r.Tier), termsafe.Line(r.Customer), strings.Join(tags, ";"),
			r.CreatedOn.UTC().Format(time.RFC3339), r.ModifiedOn.UTC().Format(time.RFC3339), last, r.ETag})
	}
	cw.Flush()
}

// writeScriptsTable writes rows as an aligned table, tenant text escaped.
func writeScriptsTable(w io.Writer, rows []scriptRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTIER\tCUSTOMER\tMODIFIED\tLAST USED\tTAGS")
	for _, r := range rows {
		last := "-"
		if r.LastUsed != nil {
			last = r.LastUsed.UTC().Format("2006-01-02")
		}
		tags := make([]string, len(r.Tags))
		for i, t := range r.Tags {
			tags[i] = termsafe.Line(t)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", termsafe.Line(r.Name), orDash(termsafe.Line(r.Tier)),
			orDash(termsafe.Line(r.Customer)), r.ModifiedOn.UTC().Format("2006-01-02"), last, strings.Join(tags, ","))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d scripts\n", len(rows))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
