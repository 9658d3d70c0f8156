package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const testToken = "tok_9f8e7d6c5b4a-SECRET-0123456789"

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret(testToken)
	if s.Reveal() != testToken || !s.IsSet() {
		t.Fatal("Reveal must return the token")
	}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3s"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s))
	}
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(s), s.String(), s.GoString())
	j, err := json.Marshal(map[string]any{"token": s})
	if err != nil {
		t.Fatal(err)
	}
	txt, _ := s.MarshalText()
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "token", s)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "token", s)
	outs = append(outs, string(j), string(txt), logs.String())
	for _, out := range outs {
		if strings.Contains(out, testToken) || strings.Contains(out, "SECRET") || strings.Contains(out, fmt.Sprintf("%x", testToken)) {
			t.Errorf("token printed: %q", out)
		}
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("Sprint: %q", got)
	}
	if string(j) != `{"token":"[redacted]"}` {
		t.Errorf("JSON: %s", j)
	}
	if empty := (Secret{}); fmt.Sprint(empty) != "" || empty.IsSet() || NewSecret("").IsSet() {
		t.Error("an empty secret prints as empty and is not set")
	}
}

func TestResolvedNeverPrintsToken(t *testing.T) {
	r := resolve(t, layered, map[string]string{"CF_PROD_TOKEN": testToken}, LoadOptions{})
	if r.Token.Reveal() != testToken {
		t.Fatal("token not loaded")
	}
	// Held in an unexported field fmt prints by reflection, without methods.
	type holder struct {
		res Resolved
		ptr *Resolved
	}
	h := holder{res: *r, ptr: r}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, r), fmt.Sprintf(verb, *r), fmt.Sprintf(verb, h), fmt.Sprintf(verb, r.Token))
	}
	j, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j), r.String())
	for _, out := range outs {
		if strings.Contains(out, testToken) || strings.Contains(out, "SECRET") {
			t.Errorf("token printed: %s", out)
		}
	}
	if !strings.Contains(r.String(), "Token:set(CF_PROD_TOKEN)") {
		t.Errorf("String should say the token is set and where from: %s", r.String())
	}
}
