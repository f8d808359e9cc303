package aws

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Secret-access query settings: the window EKS-DATA-012 looks at, the most rows kept, and how
// long the collection waits for the query by default (Options.QueryTimeout).
const (
	secretAccessWindow  = 7 * 24 * time.Hour
	secretAccessLimit   = 10000
	DefaultQueryTimeout = 2 * time.Minute
	defaultQueryPoll    = 2 * time.Second
)

// SecretAccessQuery is the Logs Insights query EKS-DATA-012 runs on the audit log: get, list
// and watch on secrets, counted by user, namespace and verb. It returns names and counts only,
// never request or response bodies; StartQuery's Limit bounds the rows.
const SecretAccessQuery = `filter @logStream like /^kube-apiserver-audit/ and objectRef.resource = "secrets" and verb in ["get", "list", "watch"]
| stats count(*) as requests by user.username, objectRef.namespace, verb
| sort requests desc`

// secretAccess runs SecretAccessQuery over the last 7 days of the control-plane log group
// when the cluster sends its audit log there, and waits for it at most Options.QueryTimeout.
// A query that does not complete in time is left to expire (stopping it would need
// logs:StopQuery) and is a gap of logs:GetQueryResults.
func (c *collector) secretAccess(ctx context.Context) {
	c.mu.Lock()
	run := c.out.AuditLogging() && len(c.out.LogGroups) > 0
	c.mu.Unlock()
	if !run {
		return
	}
	group := inventory.ControlPlaneLogGroup(c.opts.ClusterName)
	end := c.now().Truncate(time.Second)
	start := end.Add(-secretAccessWindow)
	q, err := c.clients.logs.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{LogGroupName: &group, QueryString: ptr(SecretAccessQuery),
		StartTime: ptr(start.Unix()), EndTime: ptr(end.Unix()), Limit: ptr(int32(secretAccessLimit))})
	if err != nil {
		c.fail(ctx, "logs:StartQuery", group, err)
		c.skipped("logs:GetQueryResults", group, "the query could not be started (logs:StartQuery)")
		return
	}
	timeout, poll := c.opts.QueryTimeout, c.opts.QueryPoll
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	if poll <= 0 {
		poll = defaultQueryPoll
	}
	deadline := time.Now().Add(timeout)
	for {
		out, err := c.clients.logs.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: q.QueryId})
		if err != nil {
			c.fail(ctx, "logs:GetQueryResults", group, err)
			return
		}
		switch out.Status {
		case cwltypes.QueryStatusComplete:
			res := &inventory.SecretAccess{LogGroup: group, Start: start.UTC(), End: end.UTC(), Truncated: len(out.Results) >= secretAccessLimit}
			for _, row := range out.Results {
				res.Rows = append(res.Rows, secretAccessRow(row))
			}
			c.add(func(a *inventory.AWS) { a.SecretAccess = res })
			return
		case cwltypes.QueryStatusScheduled, cwltypes.QueryStatusRunning, "":
		default:
			c.fail(ctx, "logs:GetQueryResults", group, fmt.Errorf("the secret-access query ended %s", out.Status))
			return
		}
		if time.Now().Add(poll).After(deadline) {
			c.fail(ctx, "logs:GetQueryResults", group, fmt.Errorf("the secret-access query did not complete within %s", timeout))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

// secretAccessRow reads one result row of SecretAccessQuery.
func secretAccessRow(fields []cwltypes.ResultField) inventory.SecretAccessRow {
	var r inventory.SecretAccessRow
	for _, f := range fields {
		switch v := str(f.Value); str(f.Field) {
		case "user.username":
			r.Username = v
		case "objectRef.namespace":
			r.Namespace = v
		case "verb":
			r.Verb = v
		case "requests":
			r.Count, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return r
}

func ptr[T any](v T) *T { return &v }
