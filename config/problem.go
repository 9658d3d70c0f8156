package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Layer is where a setting came from, weakest first.
type Layer int

// The layers, in precedence order: a later one overrides an earlier one.
const (
	LayerDefault Layer = iota // built-in default
	LayerFile                 // the config file
	LayerEnv                  // an environment variable
	LayerFlag                 // a command-line flag
)

// String names the layer.
func (l Layer) String() string {
	switch l {
	case LayerFile:
		return "file"
	case LayerEnv:
		return "env"
	case LayerFlag:
		return "flag"
	}
	return "default"
}

// Source says which layer set a value and by which name: the file's key,
// the variable or the flag.
type Source struct {
	Layer Layer
	Name  string
}

// String is e.g. "env CLOUDFLARE_ACCOUNT_ID" or "file profiles.prod.account_id".
func (s Source) String() string {
	if s.Name == "" {
		return s.Layer.String()
	}
	return s.Layer.String() + " " + s.Name
}

// Problem is one invalid setting: its key, where it is, and the rule it
// breaks.
type Problem struct {
	// Layer is where the bad value came from: LayerFile (Key is the TOML
	// key, Line its line or 0 when unknown), LayerEnv (Key is the
	// variable) or LayerFlag (Key is the flag).
	Layer   Layer
	Key     string
	Line    int
	Message string
}

// Format renders the problem as one line; path is the config file's.
//
//	config.toml:4: profiles.prod.account_id: must be 32 lower-case hex characters
//	environment: CLOUDFLARE_ACCOUNT_ID: must be 32 lower-case hex characters
func (p Problem) Format(path string) string {
	var where string
	switch p.Layer {
	case LayerEnv:
		where = "environment"
	case LayerFlag:
		where = "command line"
	default:
		where = path
		if p.Line > 0 {
			where += ":" + strconv.Itoa(p.Line)
		}
	}
	return printable(where + ": " + p.Key + ": " + p.Message)
}

// String is Format without the file's path.
func (p Problem) String() string {
	if p.Layer == LayerFile || p.Layer == LayerDefault {
		if p.Line > 0 {
			return printable(fmt.Sprintf("line %d: %s: %s", p.Line, p.Key, p.Message))
		}
		return printable(p.Key + ": " + p.Message)
	}
	return p.Format("")
}

// ProblemsError is Load's error for a config with problems.
type ProblemsError struct {
	Path     string
	Problems []Problem
}

// Error lists every problem, one a line.
func (e *ProblemsError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Format(e.Path)
	}
	return fmt.Sprintf("config %s has %d problem(s) (see wfp config check):\n%s",
		e.Path, len(e.Problems), strings.Join(lines, "\n"))
}

// SyntaxError is a config file that is not valid TOML.
type SyntaxError struct {
	Path      string
	Line, Col int
	Message   string
}

// Error is "path:line:col: message".
func (e *SyntaxError) Error() string {
	return printable(fmt.Sprintf("%s:%d:%d: invalid TOML: %s", e.Path, e.Line, e.Col, e.Message))
}

// sortProblems orders problems by layer, line, then key, and drops exact
// duplicates.
func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Layer, b.Layer), cmp.Compare(a.Line, b.Line),
			strings.Compare(a.Key, b.Key), strings.Compare(a.Message, b.Message))
	})
	return slices.Compact(ps)
}
