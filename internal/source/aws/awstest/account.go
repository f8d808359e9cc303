package awstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	eksaws "github.com/eksguard/eksguard/internal/source/aws"
)

// Region is the region tests use.
const Region = "us-east-1"

// Account is one test's AWS account: its own moto state and its own EKS fixtures.
type Account struct {
	ID     string
	server *Server

	mu       sync.Mutex
	clusters map[string]*clusterState
	// ec2Writes serialises the fixture's RunInstances calls with each other, with its
	// instance-profile writes and with CreateSecurityGroup. moto answers RunInstances by
	// iterating dicts those calls grow on other request threads (volumes, instance profiles,
	// the default VPC's security groups): a "dictionary changed size during iteration" is a
	// 500 (CI saw one while 8 clusters were built at once). Retrying is no cure: the failure
	// can come after the instance exists.
	ec2Writes sync.Mutex
	// AddonVersions and ClusterVersions answer DescribeAddonVersions and
	// DescribeClusterVersions (filtered by the request's parameters).
	addonVersions   []ekstypes.AddonInfo
	clusterVersions []ekstypes.ClusterVersionInformation
	// eventDataStores are the CloudTrail Lake stores the harness serves (cloudtrail.go).
	eventDataStores []EventDataStore
	// coverage is what GuardDuty ListCoverage answers (guardduty.go).
	coverage []gdtypes.CoverageResource
	// alarms are the CloudWatch alarms DescribeAlarmsForMetric answers (cloudwatch.go).
	alarms []cwtypes.MetricAlarm
	// graphs are the Detective behavior graphs the harness serves (detective.go).
	graphs []detectiveGraph
	// inspectorCoverage is what inspector2 ListCoverage answers (inspector.go).
	inspectorCoverage []inspectortypes.CoveredResource
	// inspectorFindings are what inspector2 ListFindings answers; blobs and referrers what
	// ecr:GetDownloadUrlForLayer and ecr:ListImageReferrers serve (ecr.go).
	inspectorFindings []inspectortypes.Finding
	blobs             map[string][]byte
	referrers         map[string][]ecrtypes.ImageReferrer
	// queries, insightsRows and insightsRunning are the Logs Insights queries started and
	// what they answer (insights.go).
	queries         []InsightsQuery
	insightsRows    []map[string]string
	insightsRunning int
	// standards are the Security Hub standards GetEnabledStandards answers (securityhub.go).
	standards []string
	// managedInstances are what SSM DescribeInstanceInformation answers (ssm.go).
	managedInstances []ssmtypes.InstanceInformation

	denied   map[string]bool
	throttle map[string]int
	delay    time.Duration

	calls    map[string]int
	requests map[string]int // by requestSignature
	inFlight int
	maxIn    int
}

// clusterState is what the harness answers for one cluster.
type clusterState struct {
	accessEntries map[string]*ekstypes.AccessEntry
	policies      map[string][]ekstypes.AssociatedAccessPolicy
	podIdentity   []ekstypes.PodIdentityAssociation
	addons        map[string]*ekstypes.Addon
	updates       []ekstypes.Update // eks:ListUpdates answers them in this order
}

// NewAccount gives the test its own account, with a fresh 12-digit ID.
func (s *Server) NewAccount(t testing.TB) *Account {
	if t != nil {
		t.Helper()
	}
	a := &Account{ID: fmt.Sprintf("%012d", 100000000000+s.next.Add(1)%900000000000), server: s,
		clusters: map[string]*clusterState{}, denied: map[string]bool{}, throttle: map[string]int{}, calls: map[string]int{}, requests: map[string]int{}}
	s.mu.Lock()
	s.accounts[a.ID] = a
	s.mu.Unlock()
	return a
}

// Credentials are the static test credentials (moto accepts any).
var Credentials = credentials.NewStaticCredentialsProvider("testing", "testing", "")

// APIOptions send the account ID to moto and the IAM action to the harness. Add them to every
// client of the account (Config does).
func (a *Account) APIOptions() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{
		smithyhttp.AddHeaderValue(AccountHeader, a.ID),
		func(s *middleware.Stack) error {
			return s.Build.Add(middleware.BuildMiddlewareFunc("eksguardTestAction", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set(ActionHeader, eksaws.Action(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)))
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
		},
	}
}

// Config is an SDK configuration for the account: the harness endpoint, static credentials,
// the test region and the account's headers. Use it to create test resources.
func (a *Account) Config() sdkaws.Config {
	cfg := sdkaws.Config{
		Region:       Region,
		Credentials:  Credentials,
		BaseEndpoint: sdkaws.String(a.server.URL),
		Retryer:      func() sdkaws.Retryer { return sdkaws.NopRetryer{} },
	}
	cfg.APIOptions = append(cfg.APIOptions, a.APIOptions()...)
	return cfg
}

// Deny makes the harness answer these IAM actions (eks:ListAccessEntries) with the service's
// authorization error (AccessDeniedException, UnauthorizedOperation, AccessDenied).
func (a *Account) Deny(actions ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, act := range actions {
		a.denied[act] = true
	}
}

// Throttle makes the next n calls of action fail with the service's throttling error.
func (a *Account) Throttle(action string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.throttle[action] += n
}

// Delay holds every request of the account this long before answering (to observe
// concurrency). Set it before the calls start.
func (a *Account) Delay(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delay = d
}

func (a *Account) injected(action string) (code, msg string, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.denied[action] {
		return deniedCode(action), fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/scanner/test is not authorized to perform: %s", a.ID, action), true
	}
	if a.throttle[action] > 0 {
		a.throttle[action]--
		return throttleCode(action), "Rate exceeded", true
	}
	return "", "", false
}

// begin counts a request and tracks how many are in flight.
func (a *Account) begin(action string, r *http.Request) func() {
	sig := requestSignature(action, r)
	a.mu.Lock()
	a.calls[action]++
	a.requests[sig]++
	a.inFlight++
	a.maxIn = max(a.maxIn, a.inFlight)
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		a.inFlight--
		a.mu.Unlock()
	}
}

// Calls returns the HTTP requests the harness received for the account, by IAM action
// (retries and denied calls included).
func (a *Account) Calls() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]int, len(a.calls))
	for k, v := range a.calls {
		out[k] = v
	}
	return out
}

// requestSignature identifies what a request asks for: action, path, query and body (the
// SigV4 headers, which change with the time, are left out). The body is put back for the proxy.
func requestSignature(action string, r *http.Request) string {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	sum := sha256.Sum256(body)
	return action + " " + r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + " " + hex.EncodeToString(sum[:8])
}

// Repeated returns the requests the account received more than once with the same action,
// path, query and body: a resource fetched twice (or a retried call).
func (a *Account) Repeated() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]int{}
	for sig, n := range a.requests {
		if n > 1 {
			out[sig] = n
		}
	}
	return out
}

// MaxInFlight is the most requests of the account the harness served at once.
func (a *Account) MaxInFlight() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.maxIn
}

// ResetStats clears the call counts and the in-flight maximum (after test setup).
func (a *Account) ResetStats() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls, a.requests, a.maxIn = map[string]int{}, map[string]int{}, 0
}

func (a *Account) cluster(name string) *clusterState {
	cs, ok := a.clusters[name]
	if !ok {
		cs = &clusterState{accessEntries: map[string]*ekstypes.AccessEntry{}, policies: map[string][]ekstypes.AssociatedAccessPolicy{}, addons: map[string]*ekstypes.Addon{}}
		a.clusters[name] = cs
	}
	return cs
}

// AddAccessEntry adds an access entry to a cluster, with associated access policies. Unset
// ClusterName, AccessEntryArn, CreatedAt, ModifiedAt, Type and Username are filled in.
func (a *Account) AddAccessEntry(cluster string, e ekstypes.AccessEntry, policies ...ekstypes.AssociatedAccessPolicy) {
	a.mu.Lock()
	defer a.mu.Unlock()
	principal := sdkaws.ToString(e.PrincipalArn)
	now := time.Now().UTC().Truncate(time.Second)
	if e.ClusterName == nil {
		e.ClusterName = &cluster
	}
	if e.AccessEntryArn == nil {
		e.AccessEntryArn = sdkaws.String(fmt.Sprintf("arn:aws:eks:%s:%s:access-entry/%s/%s", Region, a.ID, cluster, principal[len(principal)-min(len(principal), 12):]))
	}
	if e.CreatedAt == nil {
		e.CreatedAt = &now
	}
	if e.ModifiedAt == nil {
		e.ModifiedAt = e.CreatedAt
	}
	if e.Type == nil {
		e.Type = sdkaws.String("STANDARD")
	}
	if e.Username == nil {
		e.Username = &principal
	}
	for i := range policies {
		if policies[i].AssociatedAt == nil {
			policies[i].AssociatedAt = &now
			policies[i].ModifiedAt = &now
		}
	}
	cs := a.cluster(cluster)
	cs.accessEntries[principal] = &e
	cs.policies[principal] = append(cs.policies[principal], policies...)
}

// AddPodIdentityAssociation adds a Pod Identity association (AssociationId, Arn and
// ClusterName are filled in when unset).
func (a *Account) AddPodIdentityAssociation(cluster string, p ekstypes.PodIdentityAssociation) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cs := a.cluster(cluster)
	if p.AssociationId == nil {
		p.AssociationId = sdkaws.String(fmt.Sprintf("a-%016d", len(cs.podIdentity)+1))
	}
	if p.AssociationArn == nil {
		p.AssociationArn = sdkaws.String(fmt.Sprintf("arn:aws:eks:%s:%s:podidentityassociation/%s/%s", Region, a.ID, cluster, *p.AssociationId))
	}
	if p.ClusterName == nil {
		p.ClusterName = &cluster
	}
	if p.CreatedAt == nil {
		now := time.Now().UTC().Truncate(time.Second)
		p.CreatedAt, p.ModifiedAt = &now, &now
	}
	cs.podIdentity = append(cs.podIdentity, p)
}

// AddAddon installs an EKS add-on (ClusterName, AddonArn and Status ACTIVE filled in).
func (a *Account) AddAddon(cluster string, ad ekstypes.Addon) {
	a.mu.Lock()
	defer a.mu.Unlock()
	name := sdkaws.ToString(ad.AddonName)
	if ad.ClusterName == nil {
		ad.ClusterName = &cluster
	}
	if ad.AddonArn == nil {
		ad.AddonArn = sdkaws.String(fmt.Sprintf("arn:aws:eks:%s:%s:addon/%s/%s/0", Region, a.ID, cluster, name))
	}
	if ad.Status == "" {
		ad.Status = ekstypes.AddonStatusActive
	}
	a.cluster(cluster).addons[name] = &ad
}

// AddUpdate records an update of the cluster, for ListUpdates and DescribeUpdate (which moto
// does not implement). An Id is made up when missing.
func (a *Account) AddUpdate(cluster string, u ekstypes.Update) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cs := a.cluster(cluster)
	if u.Id == nil {
		u.Id = sdkaws.String(fmt.Sprintf("00000000-0000-0000-0000-%012d", len(cs.updates)+1))
	}
	cs.updates = append(cs.updates, u)
}

// SetAddonVersions sets what DescribeAddonVersions answers.
func (a *Account) SetAddonVersions(infos ...ekstypes.AddonInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.addonVersions = infos
}

// SetClusterVersions sets what DescribeClusterVersions answers.
func (a *Account) SetClusterVersions(versions ...ekstypes.ClusterVersionInformation) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.clusterVersions = versions
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
