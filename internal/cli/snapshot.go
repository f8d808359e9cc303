package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/snapshot"
	"github.com/eksguard/eksguard/internal/version"
)

func newSnapshotCommand(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save a cluster's objects to a file, to scan offline with scan --snapshot",
		Long: `A snapshot is what eksguard cluster collects, written to one gzip-compressed file
(schema eksguard.io/snapshot/v2): every object the checks read, with its UID and origin, plus
the coverage gaps and how it was collected, and on EKS the cluster's AWS facts. eksguard scan --snapshot FILE checks it offline
with the same results as eksguard cluster. Secrets are collected as metadata only, so a
snapshot never holds a secret value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSnapshotSaveCommand(streams))
	return cmd
}

// snapshotSaveOptions holds the flags of `eksguard snapshot save`.
type snapshotSaveOptions struct {
	clusterFlags
	awsFlags
	awsExplicit bool
}

func newSnapshotSaveCommand(streams IO) *cobra.Command {
	o := &snapshotSaveOptions{}
	cmd := &cobra.Command{
		Use:   "save FILE",
		Short: "Collect a live cluster (read-only) and save it to FILE (- for stdout)",
		Long: `Collect a cluster exactly as eksguard cluster does (same connection, namespace, rate-limit
and paging flags) and save the result to FILE, gzip-compressed. The file is written to a
temporary name next to FILE and renamed into place, so a failed collection never leaves a
partial snapshot. FILE - writes to stdout (not to a terminal).

On EKS the cluster's AWS side is saved too, as eksguard cluster reads it (the same
--cluster-name, --region, --profile, --ecr-scope and --no-aws flags and the same IAM policy):
the AWS facts, the gaps of denied calls and the account and region, so that scan --snapshot
runs the AWS checks as well. The facts hold no secret values.

Scan it later, anywhere, without the cluster: eksguard scan --snapshot FILE.

Exit codes: 0 saved; 2 usage error, the cluster could not be reached or FILE not written.`,
		Example: `  eksguard snapshot save prod.json.gz
  eksguard snapshot save --context prod -n shop shop.json.gz
  eksguard snapshot save - | aws s3 cp - s3://audits/prod-$(date +%F).json.gz
  eksguard scan --snapshot prod.json.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("snapshot save needs exactly one FILE argument (- for stdout), got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.clusterFlags.validate(); err != nil {
				return err
			}
			if err := o.awsFlags.validate(); err != nil {
				return err
			}
			o.awsExplicit = o.awsFlags.explicit(cmd.Flags())
			return o.run(cmd.Context(), streams, args[0])
		},
	}
	o.clusterFlags.addFlags(cmd.Flags())
	o.awsFlags.addFlags(cmd.Flags(), false)
	return cmd
}

func (o *snapshotSaveOptions) run(ctx context.Context, streams IO, path string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if path == "-" && isTerminal(streams.Out) {
		return usageError("refusing to write a compressed snapshot to a terminal; give a FILE or redirect stdout")
	}
	started := time.Now()
	inv, err := o.collect(ctx, streams)
	if err != nil {
		return err
	}
	if _, err := o.awsFlags.readAWS(ctx, inv, o.kube.Kubeconfig, o.kube.Context, o.verbose, o.awsExplicit, streams); err != nil {
		return err
	}
	meta := o.meta(inv, started)
	var size int64
	if path == "-" {
		cw := &countingWriter{w: streams.Out}
		err = snapshot.Save(cw, inv, meta)
		size = cw.n
	} else {
		size, err = saveFile(path, inv, meta)
	}
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if !o.quiet {
		kinds := map[string]bool{}
		for _, obj := range inv.Objects {
			kinds[obj.Kind] = true
		}
		where := path
		if path == "-" {
			where = "stdout"
		}
		fmt.Fprintf(streams.ErrOut, "eksguard: saved %s %s of %d %s from %s to %s (%s, %s %s) in %s\n",
			groupDigits(len(inv.Objects)), plural(len(inv.Objects), "object", "objects"), len(kinds), plural(len(kinds), "kind", "kinds"),
			meta.Cluster.Name, where, byteSize(size), groupDigits(len(inv.Gaps)), plural(len(inv.Gaps), "coverage gap", "coverage gaps"),
			time.Since(started).Round(10*time.Millisecond))
	}
	return nil
}

// meta describes the collection for the snapshot's header.
func (o *snapshotSaveOptions) meta(inv *inventory.Inventory, started time.Time) snapshot.Meta {
	m := snapshot.Meta{
		ToolVersion: version.String(),
		Created:     started.UTC().Truncate(time.Second),
		Namespace:   o.kube.Namespace,
		Collection: map[string]any{
			"qps":            o.kube.QPS,
			"burst":          o.kube.Burst,
			"concurrency":    o.kube.Concurrency,
			"pageSize":       o.kube.PageSize,
			"requestTimeout": o.kube.RequestTimeout.String(),
		},
	}
	// The collector names the cluster on every live object (the context, else the server).
	for _, obj := range inv.Objects {
		if obj.Origin.Live != nil && obj.Origin.Live.Cluster != "" {
			m.Cluster.Name = obj.Origin.Live.Cluster
			break
		}
	}
	if o.kube.RESTConfig != nil {
		m.Cluster.Server = o.kube.RESTConfig.Host
	} else {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		rules.ExplicitPath = o.kube.Kubeconfig
		cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.kube.Context})
		if cfg, err := cc.ClientConfig(); err == nil {
			m.Cluster.Server = cfg.Host
		}
	}
	if m.Cluster.Name == "" {
		m.Cluster.Name = m.Cluster.Server
	}
	return m
}

// saveFile writes the snapshot next to path and renames it into place.
func saveFile(path string, inv *inventory.Inventory, meta snapshot.Meta) (int64, error) {
	// Mode 0666 before the umask, as for any new file: a snapshot holds no secret values.
	tmp, err := os.OpenFile(filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.tmp-%d-%d", filepath.Base(path), os.Getpid(), time.Now().UnixNano())),
		os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return 0, fmt.Errorf("write snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this finds nothing
	cw := &countingWriter{w: tmp}
	err = snapshot.Save(cw, inv, meta)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("write snapshot %s: %w", path, err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// loadSnapshot reads a snapshot file for scan --snapshot, or stdin for -. Any failure is an
// input error (exit 2) naming the file.
func loadSnapshot(path string, maxBytes int64, stdin io.Reader) (*inventory.Inventory, snapshot.Meta, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, snapshot.Meta{}, &ExitError{Code: ExitUsage, Err: fmt.Errorf("read snapshot: %w", err)}
		}
		defer f.Close()
		if info, err := f.Stat(); err == nil && info.IsDir() {
			return nil, snapshot.Meta{}, usageError("read snapshot %s: is a directory (scan it without --snapshot)", path)
		}
		r = f
	} else {
		path = "stdin"
	}
	inv, meta, err := snapshot.LoadLimit(r, maxBytes)
	if err != nil {
		var snapErr *snapshot.Error
		if errors.As(err, &snapErr) && errors.Is(err, snapshot.ErrTooLarge) {
			err = fmt.Errorf("%w; raise --max-file-size to read it", err)
		}
		return nil, snapshot.Meta{}, &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", path, err)}
	}
	return inv, meta, nil
}

// snapshotArgs validates scan --snapshot: no PATH arguments, and none of the flags that only
// apply to them.
func (o *scanOptions) snapshotArgs(cmd *cobra.Command, args []string) error {
	if o.snapshot == "" {
		return usageError("--snapshot needs a FILE")
	}
	if len(args) > 0 {
		return usageError("--snapshot and PATH arguments are mutually exclusive: scan a snapshot or manifests, not both")
	}
	for _, name := range []string{"values", "set", "set-string", "release-name", "kube-version", "api-versions"} {
		if cmd.Flags().Changed(name) {
			return usageError("--%s renders Helm charts among PATH arguments; it does not apply to --snapshot", name)
		}
	}
	o.maxFileSizeSet = cmd.Flags().Changed("max-file-size")
	return nil
}

// runSnapshot is scan --snapshot: the checks of a cluster scan on a saved inventory.
func (o *scanOptions) runSnapshot(ctx context.Context, streams IO) error {
	ns := o.namespace
	opts := o.scanOptions(ns)
	opts.Sources = slices.Clone(scan.ManifestSources)
	if _, err := scan.Plan(opts); err != nil { // a bad --checks pattern fails before the file is read
		return &ExitError{Code: ExitUsage, Err: err}
	}
	inv, meta, err := loadSnapshot(o.snapshot, o.snapshotMaxBytes, streams.In)
	if err != nil {
		return err
	}
	if inv.AWS != nil {
		// Saved with the cluster's AWS side: its checks run as in eksguard cluster.
		opts.Sources = append(opts.Sources, check.AWSSources...)
	}
	plan, err := scan.Plan(opts)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	switch {
	case meta.Namespace != "" && ns == "":
		// The live scan of a namespace reports that namespace only; so does its snapshot.
		opts.Namespace = meta.Namespace
	case meta.Namespace != "" && ns != meta.Namespace:
		return usageError("%s holds namespace %q only; -n %s would report nothing", o.snapshot, meta.Namespace, ns)
	}
	if err := o.enableWriteReports(ctx, streams, o.reportTarget, opts.Namespace, &snapshotSource{o.snapshot, meta, inv}); err != nil {
		return err
	}
	res, err := plan.Run(ctx, inv, opts)
	if err != nil {
		return err
	}
	taken := ""
	if !meta.Created.IsZero() {
		taken = ", taken " + meta.Created.UTC().Format(time.RFC3339)
	}
	inputs := make([]string, len(inv.Inputs))
	for i, in := range inv.Inputs {
		inputs[i] = in + " (snapshot " + o.snapshot + taken + ")"
	}
	if len(inputs) == 0 {
		inputs = []string{"snapshot " + o.snapshot}
	}
	return o.write(streams, inputs, res)
}
