package incident

import (
	"strings"
	"time"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// maxExerciseAgeDays is how old EKS-IR-005 lets the last game day and penetration test be.
const maxExerciseAgeDays = 365

// now is the clock EKS-IR-005 judges dates by (tests pin it).
var now = time.Now

// incidentResponsePlan: EKS-IR-005 (manual; evidence from the operator).
//
// Whether an incident response plan exists and is exercised cannot be read from the cluster
// or the account: the operator answers in the settings file (--config, incident_response:
// {runbook_url, last_game_day, last_pentest}; dates as YYYY-MM-DD). The check records the
// answers on the cluster's ARN. It fails when the runbook URL or a date is missing, when a
// date is more than 365 days before the scan, or when it lies in the future; the finding
// names every missing or stale answer and the dates given. With all three answered and
// recent, an info finding records them for a reviewer, who confirms that the runbook covers
// the guide's steps for EKS (identify the pod and node, isolate, revoke credentials, cordon,
// protect and label evidence, capture, redeploy) and the scope of the penetration test.
//
// Decisions: the catalogue's severity is info, which never gates a run; a missing or stale
// answer is reported at low so that "fails" counts as a failure. A missing runbook URL fails
// as a missing date does (the catalogue asks for the runbook first). The answers concern the
// organisation, not a resource, so they are attached to the scanned cluster; the check runs
// with the AWS checks (eksguard aws and cluster) and reports nothing without an AWS target.
// A date is exactly 365 days old on its anniversary and still passes.
var incidentResponsePlan = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IR-005",
		Slug:        "incident-response-plan",
		Title:       "An incident response plan must exist and be exercised",
		Section:     "incident-response",
		Severity:    check.Info,
		Source:      check.SourceAWSOther,
		Remediation: "Write the runbook from the guide's sample plan, run a game day and a penetration test at least yearly.",
		References:  check.References{Guide: "incidents#practice-security-game-days"},
	},
	// It reads only the configuration and the cluster's ARN (an empty Reads would read everything).
	Reads: []string{inventory.AWSKind("eks:DescribeCluster")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		r.Evaluated(1)
		ir := r.Config.IncidentResponse
		today := now().UTC().Truncate(24 * time.Hour)
		var problems, answers []string
		if ir.RunbookURL == "" {
			problems = append(problems, "no runbook is recorded (incident_response.runbook_url)")
		} else {
			answers = append(answers, "runbook "+ir.RunbookURL)
		}
		for _, d := range []struct{ key, what, value string }{
			{"last_game_day", "game day", ir.LastGameDay},
			{"last_pentest", "penetration test", ir.LastPentest},
		} {
			if d.value == "" {
				problems = append(problems, "no date of the last "+d.what+" is recorded (incident_response."+d.key+")")
				continue
			}
			answers = append(answers, "last "+d.what+" "+d.value)
			at, err := time.Parse("2006-01-02", d.value)
			switch {
			case err != nil:
				problems = append(problems, "the last "+d.what+" date "+d.value+" is not a date (YYYY-MM-DD)")
			case at.After(today):
				problems = append(problems, "the last "+d.what+" date "+d.value+" is in the future")
			case at.AddDate(0, 0, maxExerciseAgeDays).Before(today):
				problems = append(problems, "the last "+d.what+" ("+d.value+") is more than 365 days ago")
			}
		}
		recorded := "nothing recorded"
		if len(answers) > 0 {
			recorded = "recorded: " + strings.Join(answers, ", ")
		}
		arn := inv.AWS.ClusterResource()
		if len(problems) > 0 {
			r.FailResourceWith(arn, "", check.Low, "incident response plan: "+strings.Join(problems, "; ")+" ("+recorded+"); answer in the --config file's incident_response block")
			return
		}
		r.FailResourceWith(arn, "", check.Info, "incident response plan "+recorded+": confirm that the runbook covers identifying the pod and node, isolating, revoking credentials, cordoning, protecting and labelling evidence, capturing and redeploying, and the penetration test's scope")
	},
}

func init() { check.Register(incidentResponsePlan) }
