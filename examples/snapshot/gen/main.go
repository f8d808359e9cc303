// Command gen regenerates examples/snapshot/demo-cluster.json.gz, the demo cluster snapshot:
//
//	go run ./examples/snapshot/gen            # from the repository root
//
// It starts a real kube-apiserver and etcd (envtest, binaries from KUBEBUILDER_ASSETS or
// hack/kube-test-binaries), creates the demo cluster in it (examples/snapshot/demo: EKS
// kube-system, Nodes, examples/insecure and the namespaces of examples/snapshot/cluster),
// collects it with the same collector as eksguard cluster and saves it as eksguard snapshot
// save does. UIDs, resource versions and timestamps change with every run; everything else is
// determined by the manifests. Run `go test ./examples/...` afterwards.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/eksguard/eksguard/examples/snapshot/demo"
	"github.com/eksguard/eksguard/internal/source/kube"
	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
	"github.com/eksguard/eksguard/internal/source/snapshot"
	"github.com/eksguard/eksguard/internal/version"
)

func main() {
	out := flag.String("o", "examples/snapshot/demo-cluster.json.gz", "snapshot file to write (relative to the repository root)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	root, err := kubetest.RepoRoot()
	if err != nil {
		return err
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env, err := kubetest.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	if err := demo.Build(ctx, env, root); err != nil {
		return err
	}
	inv, err := kube.Collect(ctx, kube.Options{RESTConfig: env.Config, Cluster: demo.Cluster})
	if err != nil {
		return err
	}
	meta := snapshot.Meta{
		ToolVersion: version.String(),
		Created:     time.Now().UTC().Truncate(time.Second),
		Cluster:     snapshot.Cluster{Name: demo.Cluster, Server: env.Config.Host},
		Collection: map[string]any{
			"generator": "go run ./examples/snapshot/gen (envtest)",
			"pageSize":  kube.DefaultPageSize,
		},
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := snapshot.Save(f, inv, meta); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	info, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d objects, %d coverage gaps -> %s (%d bytes)\n", len(inv.Objects), len(inv.Gaps), out, info.Size())
	return nil
}
