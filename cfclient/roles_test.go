package cfclient

import (
	"errors"
	"strings"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func TestViewerRefusedEveryMutationWithoutARequest(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := WithActor(testCtx(t), Actor{Name: "ana (SHA256:x)", Role: RoleViewer})
	for _, m := range allMutations("0123456789abcdef0123456789abcdef") {
		if err := m.call(ctx, e.c); !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s as a viewer: got %v, want ErrReadOnly", m.name, err)
		}
	}
	if n := e.requests.Load(); n != 0 {
		t.Fatalf("a viewer's changes sent %d requests, want 0", n)
	}
	for _, l := range auditLines(t, e.auditPath()) {
		if l.Actor != "ana (SHA256:x)" || !strings.HasPrefix(l.Result, "refused: ") {
			t.Errorf("audit line actor %q result %q", l.Actor, l.Result)
		}
	}
}

func TestOperatorRefusedAdminOpsWithoutARequest(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := WithActor(testCtx(t), Actor{Name: "bo", Role: RoleOperator})
	refused := 0
	for _, m := range allMutations("0123456789abcdef0123456789abcdef") {
		if !AdminOnly(m.op) {
			continue
		}
		refused++
		err := m.call(ctx, e.c)
		if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "needs admin") {
			t.Errorf("%s as an operator: got %v, want a refusal naming admin", m.name, err)
		}
	}
	if refused != 4 {
		t.Fatalf("%d admin-only mutations, want 4 (namespace create/rename/delete, tiers)", refused)
	}
	if n := e.requests.Load(); n != 0 {
		t.Fatalf("an operator's admin changes sent %d requests, want 0", n)
	}
	if err := e.c.AddTag(ctx, "testing", "smoke-untagged", "op-ok"); err != nil {
		t.Fatalf("an operator may tag: %v", err)
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range []Role{RoleViewer, RoleOperator, RoleAdmin} {
		got, err := ParseRole(r.String())
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r, got, err)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole(root) accepted")
	}
}
