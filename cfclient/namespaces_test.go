package cfclient

import (
	"errors"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func TestNamespaceLifecycle(t *testing.T) {
	e := newTestEnv(t, sandbox.Options{}, nil)
	ctx := testCtx(t)
	list, err := e.c.ListNamespaces(ctx)
	if err != nil {
		t.Fatalf("ListNamespaces: %v", err)
	}
	names := map[string]Namespace{}
	for i, n := range list {
		names[n.Name] = n
		if i > 0 && list[i-1].Name > n.Name {
			t.Fatalf("not sorted: %q before %q", list[i-1].Name, n.Name)
		}
		if n.ID == "" || n.CreatedOn.IsZero() {
			t.Fatalf("incomplete namespace %+v", n)
		}
	}
	if names["production"].ScriptCount != 50 || names["staging"].ID == "" || names["testing"].ID == "" {
		t.Fatalf("seeded namespaces %+v", list)
	}
	got, err := e.c.GetNamespace(ctx, "production")
	if err != nil || got.ID != names["production"].ID || got.ScriptCount != 50 {
		t.Fatalf("GetNamespace: %+v %v", got, err)
	}

	created, err := e.c.CreateNamespace(ctx, "ns-made-by-test")
	if err != nil || created.Name != "ns-made-by-test" || created.ID == "" {
		t.Fatalf("CreateNamespace: %+v %v", created, err)
	}
	renamed, err := e.c.RenameNamespace(ctx, "ns-made-by-test", "ns-renamed")
	if err != nil || renamed.Name != "ns-renamed" || renamed.ID != created.ID {
		t.Fatalf("RenameNamespace: %+v %v", renamed, err)
	}
	if _, err := e.c.GetNamespace(ctx, "ns-made-by-test"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old name after rename: %v", err)
	}
	if err := e.c.DeleteNamespace(ctx, "ns-renamed"); err != nil {
		t.Fatalf("DeleteNamespace: %v", err)
	}
	if _, err := e.c.GetNamespace(ctx, "ns-renamed"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := e.c.RenameNamespace(ctx, "production", "production"); !errors.Is(err, ErrValidation) {
		t.Fatalf("rename to the same name: %v", err)
	}

	lines := auditLines(t, e.auditPath())
	ops := []string{"namespace.create", "namespace.rename", "namespace.delete", "namespace.rename"}
	if len(lines) != len(ops) {
		t.Fatalf("%d audit lines, want %d", len(lines), len(ops))
	}
	for i, op := range ops {
		if lines[i].Op != op {
			t.Errorf("line %d op %q, want %q", i, lines[i].Op, op)
		}
	}
	if lines[2].Before == nil { // the deleted namespace is recorded
		t.Errorf("delete record has no before: %+v", lines[2])
	}
}
