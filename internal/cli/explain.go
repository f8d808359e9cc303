package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/spec"
)

func newExplainCommand(streams IO) *cobra.Command {
	return &cobra.Command{
		Use:     "explain CHECK-ID",
		Short:   "Explain one check: what it forbids, why, and how to fix it",
		Example: "  eksguard explain EKS-POD-001\n  eksguard explain privileged",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, ok := check.Lookup(args[0])
			if !ok {
				if cat, err := spec.Load(); err == nil {
					if e, found := cat.Lookup(args[0]); found {
						return usageError("%s (%s) is in the catalogue but not implemented in this build yet", e.ID, e.Title)
					}
				}
				return usageError("no check %q (eksguard checks lists them)", args[0])
			}
			cat, err := spec.Load()
			if err != nil {
				return err
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%s  %s\n\n", c.ID, c.Title)
			fmt.Fprintf(&b, "  Slug:        %s\n  Severity:    %s\n  Section:     %s\n  Source:      %s\n", c.Slug, c.Severity, cat.SectionTitle(c.Section), c.Source)
			if f := frameworks(c.References); f != "" {
				fmt.Fprintf(&b, "  Frameworks:  %s\n", f)
			}
			fmt.Fprintf(&b, "  System ns:   %s\n  Reference:   %s\n\n", systemNamespacePolicy(c.SystemNamespaces), c.DocURL())
			if e, ok := cat.Lookup(c.ID); ok {
				fmt.Fprintf(&b, "What it checks\n%s\n\n", wrap(spec.Normalize(e.Logic), 90, "  "))
			}
			fmt.Fprintf(&b, "Remediation\n%s\n", wrap(c.Remediation, 90, "  "))
			_, err = fmt.Fprint(streams.Out, b.String())
			return err
		},
	}
}

func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line)+len(w)+1 > width && strings.TrimSpace(line) != "" {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = indent
		}
		line += w + " "
	}
	b.WriteString(strings.TrimRight(line, " "))
	return b.String()
}
