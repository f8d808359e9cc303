package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/spec"
)

// catalogueRow is one catalogue check as `eksguard checks` lists it: its metadata from the
// registry when this build implements it, else from the catalogue.
type catalogueRow struct {
	ID          string            `json:"id"`
	Slug        string            `json:"slug,omitempty"`
	Title       string            `json:"title"`
	Section     string            `json:"section"`
	Severity    string            `json:"severity"`
	Source      string            `json:"source"`
	Frameworks  []check.Framework `json:"frameworks"`
	References  check.References  `json:"references"`
	Implemented bool              `json:"implemented"`
	Remediation string            `json:"remediation"`
	DocURL      string            `json:"docUrl,omitempty"`
	// SystemNamespaces says how an implemented check treats kube-system and friends.
	SystemNamespaces string `json:"systemNamespaces,omitempty"`

	check *check.Check
	logic string
}

func catalogueRows(frameworks []check.Framework) ([]catalogueRow, *spec.Catalogue, error) {
	all, err := check.All()
	if err != nil {
		return nil, nil, err
	}
	cat, err := spec.Load()
	if err != nil {
		return nil, nil, err
	}
	registered := map[string]*check.Check{}
	for _, c := range all {
		registered[c.ID] = c
	}
	var rows []catalogueRow
	for _, e := range cat.Checks {
		refs := scan.EntryReferences(e)
		if len(frameworks) > 0 && !slices.ContainsFunc(frameworks, refs.In) {
			continue
		}
		row := catalogueRow{ID: e.ID, Title: e.Title, Section: e.Section, Severity: e.Severity, Source: e.Source,
			Frameworks: refs.Frameworks(), References: refs, Remediation: spec.Normalize(e.Remediation), logic: spec.Normalize(e.Logic)}
		if c, ok := registered[e.ID]; ok {
			row.check, row.Implemented, row.Slug, row.DocURL = c, true, c.Slug, c.DocURL()
			row.SystemNamespaces = systemNamespacePolicy(c.SystemNamespaces)
		}
		rows = append(rows, row)
	}
	return rows, cat, nil
}

func newChecksCommand(streams IO) *cobra.Command {
	var output string
	var frameworkNames []string
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List the catalogue's checks: section, severity, frameworks, data source, and whether this build implements them",
		Example: `  eksguard checks
  eksguard checks --framework cis-eks
  eksguard checks -o json
  eksguard checks -o markdown > docs/checks.md`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var frameworks []check.Framework
			for _, name := range frameworkNames {
				f, err := check.ParseFramework(name)
				if err != nil {
					return usageError("--framework: %v", err)
				}
				frameworks = append(frameworks, f)
			}
			rows, cat, err := catalogueRows(frameworks)
			if err != nil {
				return err
			}
			switch output {
			case "table":
				return checksTable(streams.Out, rows)
			case "json":
				enc := json.NewEncoder(streams.Out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(rows)
			case "markdown", "md":
				return checksMarkdown(streams.Out, rows, cat)
			}
			return usageError("unknown output format %q for checks (want table, json or markdown)", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or markdown")
	cmd.Flags().StringSliceVar(&frameworkNames, "framework", nil, "list only checks of these frameworks: eks-bp, cis-eks, pss-baseline, pss-restricted")
	return cmd
}

// frameworks renders a check's framework mappings: CIS EKS control, PSS level.
func frameworks(r check.References) string {
	var out []string
	if r.CISEKS != "" {
		out = append(out, "CIS "+r.CISEKS)
	}
	if r.CISEKSLegacy != "" {
		out = append(out, "CIS "+r.CISEKSLegacy)
	}
	if r.PSS != "" {
		level, _, _ := strings.Cut(r.PSS, "/")
		out = append(out, "PSS "+level)
	}
	return strings.Join(out, ", ")
}

func checksTable(w io.Writer, rows []catalogueRow) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tSECTION\tSOURCE\tFRAMEWORKS\tIMPLEMENTED\tTITLE")
	implemented := 0
	for _, r := range rows {
		impl := "no"
		if r.Implemented {
			impl = "yes"
			implemented++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Section, r.Source, frameworks(r.References), impl, r.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d checks, %d implemented in this build. eksguard explain <ID> shows one in full.\n", len(rows), implemented)
	return err
}

func systemNamespacePolicy(p check.SystemNamespaces) string {
	switch p {
	case check.SkipSystemNamespaces:
		return "skipped unless --include-system-namespaces"
	case check.ExemptSystemNamespaces:
		return "reported as exempt"
	}
	return "checked"
}

// checksMarkdown writes the check reference (docs/checks.md is generated from it).
func checksMarkdown(w io.Writer, rows []catalogueRow, cat *spec.Catalogue) error {
	var b strings.Builder
	implemented := 0
	for _, r := range rows {
		if r.Implemented {
			implemented++
		}
	}
	b.WriteString("# eksguard checks\n\n<!-- Generated by `eksguard checks -o markdown`; do not edit. -->\n\n")
	fmt.Fprintf(&b, "The catalogue ([spec/checks.yaml](../spec/checks.yaml)) has %d checks; this build implements %d. "+
		"Severity is the default; some findings raise or lower it as the check says. Source is the data a check needs: "+
		"`k8s-objects` and `k8s-rbac` come from manifests or the Kubernetes API, `aws-*` from the AWS account, "+
		"`node-host` from the nodes.\n\n", len(rows), implemented)
	b.WriteString("| ID | Severity | Section | Source | Frameworks | Implemented | Title |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		id, impl := r.ID, "no"
		if r.Implemented {
			id, impl = fmt.Sprintf("[%s](#%s)", r.ID, strings.ToLower(r.ID)), "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", id, r.Severity, r.Section, r.Source, frameworks(r.References), impl, r.Title)
	}
	section := ""
	for _, r := range rows {
		if !r.Implemented {
			continue
		}
		if r.Section != section {
			section = r.Section
			fmt.Fprintf(&b, "\n## %s\n", cat.SectionTitle(section))
		}
		fmt.Fprintf(&b, "\n### %s\n\n**%s** (`%s`) — severity %s, source `%s`", r.ID, r.Title, r.Slug, r.Severity, r.Source)
		if f := frameworks(r.References); f != "" {
			fmt.Fprintf(&b, ", %s", f)
		}
		fmt.Fprintf(&b, ". System namespaces: %s.\n\n%s\n\nRemediation: %s\n\nReference: %s\n", r.SystemNamespaces, r.logic, r.check.Remediation, r.DocURL)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
