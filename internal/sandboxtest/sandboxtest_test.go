package sandboxtest

import (
	"context"
	"testing"

	"github.com/wfpconsole/wfp/cfclient/sandbox"
)

func TestStartServesTheSeededNamespaces(t *testing.T) {
	e := Start(t, sandbox.Options{Seed: 1}, nil)
	nss, err := e.Client.ListNamespaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range nss {
		names = append(names, n.Name)
	}
	if len(nss) < 3 {
		t.Fatalf("namespaces = %v, want production, staging and testing", names)
	}
}
