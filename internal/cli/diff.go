package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/check"
)

func newDiffCommand(streams IO) *cobra.Command {
	var output, failOn string
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two JSON reports: new, fixed and unchanged findings",
		Long: `Compare two eksguard JSON reports (scan -o json, cluster -o json) and list the findings
NEW.json has and OLD.json does not (new), and those OLD.json has and NEW.json does not (fixed),
with the number of unchanged ones. Findings match by check ID, object apiVersion, kind,
namespace and name, and field path, so moved lines and reworded messages do not count as
changes. Only failing findings take part (not excepted or exempt ones); a finding of a
check NEW.json did not evaluate is never counted as fixed.

Exit codes: 0 no new finding at or above --fail-on; 1 there is one; 2 usage error or a file
that is not an eksguard JSON report.`,
		Example: `  eksguard scan -o json --output-file main.json k8s/      # on the main branch
  eksguard scan -o json --output-file pr.json k8s/        # on the change
  eksguard diff main.json pr.json
  eksguard diff -o json --fail-on critical main.json pr.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			if output != "table" && output != "json" {
				return usageError("unknown output format %q (want table or json)", output)
			}
			var failAt *check.Severity
			if !strings.EqualFold(failOn, "none") {
				sev, err := check.ParseSeverity(failOn)
				if err != nil {
					return usageError("--fail-on: %v", err)
				}
				failAt = &sev
			}
			old, err := baseline.Load(args[0])
			if err != nil {
				return usageError("%v", err)
			}
			cur, err := baseline.Load(args[1])
			if err != nil {
				return usageError("%v", err)
			}
			d := baseline.NewDiff(args[0], old, args[1], cur, failAt)
			if output == "json" {
				err = d.WriteJSON(streams.Out)
			} else {
				err = d.WriteTable(streams.Out)
			}
			if err != nil {
				return err
			}
			if d.Summary.Failed {
				return ErrFindingsAboveThreshold
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	f.StringVar(&failOn, "fail-on", "high", "exit 1 when a new finding is at or above this severity ("+strings.Join(check.SeverityNames(), ", ")+", or none)")
	return cmd
}
