// Package aws fills inventory.AWS: the EKS cluster and what it runs on in its AWS account,
// read with aws-sdk-go-v2 (EKS, EC2, IAM, ECR, KMS, CloudTrail, S3, GuardDuty, Security Hub, AWS
// Config, Secrets Manager, CloudWatch Logs and more, STS). It only reads;
// deploy/iam-policy.json lists exactly the actions it calls.
//
// Each resource is fetched once and shared by all checks: the collection runs in two waves
// (what the cluster name alone identifies, then what the first wave references: subnets,
// security groups, launch templates, roles, keys), each role, policy and launch template
// version exactly once however many node groups, instances or service accounts name it.
// Calls run concurrently, at most Options.Concurrency HTTP requests in flight; throttling is
// retried by the SDK's adaptive retryer, which also slows the client down.
//
// A call the credentials may not make (AccessDenied, UnauthorizedOperation, ...) becomes an
// inventory.Gap whose Kind is inventory.AWSKind(action) ("aws:eks:ListAccessEntries"): the
// checks that read it are reported as not evaluated, and the collection goes on. So does any
// other error that outlasted the retries (Reason error). Collect fails only when the
// credentials are missing or rejected, or the cluster does not exist.
package aws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Defaults of Options.
const (
	DefaultConcurrency = 8
	// DefaultMaxAttempts is how often a call is tried (throttling and transient errors).
	DefaultMaxAttempts = 8
)

// Options say which cluster to read and how.
type Options struct {
	// Region is the cluster's region (--region). Empty: found from the kubeconfig (the
	// region of `aws eks get-token`, or of the API server's host name), else the SDK's
	// default (AWS_REGION, the profile).
	Region string
	// Profile is the shared-config profile (--profile); empty follows the standard chain
	// (environment, AWS_PROFILE, SSO, web identity / IRSA, EKS Pod Identity, IMDS).
	Profile string
	// ClusterName is the EKS cluster (--cluster-name). Empty: found from the kubeconfig's
	// `aws eks get-token --cluster-name` (or aws-iam-authenticator -i) exec arguments.
	ClusterName string
	// Kubeconfig and Context say where to look for ClusterName, Region and Profile when they
	// are not given (the same rules as the live collector).
	Kubeconfig string
	Context    string
	// Concurrency bounds the HTTP requests in flight at once (default DefaultConcurrency).
	Concurrency int
	// MaxAttempts bounds the tries of one call (default DefaultMaxAttempts); MaxBackoff the
	// wait between them (default: the SDK's 20 s).
	MaxAttempts int
	MaxBackoff  time.Duration
	// QueryTimeout bounds the wait for the Logs Insights query of EKS-DATA-012 (default
	// DefaultQueryTimeout); QueryPoll is the time between polls of its results (default 2 s).
	QueryTimeout time.Duration
	QueryPoll    time.Duration
	// Now, if set, is the collection's clock (tests); the query window ends then.
	Now func() time.Time
	// ECRRepositories limits ECR_REPOS to these names; nil reads all.
	ECRRepositories []string
	// ECRUsedOnly (--ecr-scope=used) limits ECR_REPOS to the repositories of the scanned
	// account's registry in the region that the Kubernetes objects' containers run images
	// from (none when they run none), in addition to ECRRepositories.
	ECRUsedOnly bool

	// BaseEndpoint, when set, sends every service's calls there (tests: the moto harness).
	BaseEndpoint string
	// Credentials, when set, replaces the standard credential chain (tests).
	Credentials sdkaws.CredentialsProvider
	// HTTPClient, when set, sends the requests (tests).
	HTTPClient *http.Client
	// APIOptions are added to every client's middleware stack (tests: per-test accounts).
	APIOptions []func(*middleware.Stack) error

	// OnCall, if set, is called with the IAM action of every API operation called
	// ("eks:DescribeCluster"), once per operation (not per retry). Calls are concurrent.
	OnCall func(action string)
	// Progress, if set, is called when a collector (eks, ec2, iam, ...) finishes, with the
	// number of calls made so far. Calls are serialised.
	Progress func(what string, calls int, done bool)
	// Debugf, if set, receives debug log lines: retries, absent resources.
	Debugf func(format string, args ...any)
}

func (o *Options) setDefaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
}

// ErrNoCluster is returned when no cluster name was given or found in the kubeconfig.
var ErrNoCluster = errors.New("no EKS cluster name: give --cluster-name (it is not in the kubeconfig's aws eks get-token arguments)")

// Collect reads the AWS side of a cluster into inv.AWS, adding a Gap for every call that was
// denied or failed. Kubernetes objects already in inv (from a live collection) add what only
// the cluster knows: ServiceAccounts' eks.amazonaws.com/role-arn annotations (IRSA roles)
// and Nodes' spec.providerID (CLUSTER_NODES).
func Collect(ctx context.Context, inv *inventory.Inventory, opts Options) error {
	opts.setDefaults()
	if opts.ClusterName == "" || opts.Region == "" || opts.Profile == "" {
		found := FromKubeconfig(opts.Kubeconfig, opts.Context)
		if opts.ClusterName == "" {
			opts.ClusterName = found.ClusterName
		}
		if opts.Region == "" {
			opts.Region = found.Region
		}
		if opts.Profile == "" && opts.Credentials == nil {
			opts.Profile = found.Profile
		}
	}
	if opts.ClusterName == "" {
		return ErrNoCluster
	}
	c, err := newCollector(ctx, opts)
	if err != nil {
		return err
	}
	c.k8s = kubeFacts(inv)
	if err := c.run(ctx); err != nil {
		return err
	}
	endpoint := ""
	if c.out.Cluster != nil {
		endpoint = str(c.out.Cluster.Endpoint)
	}
	c.out.Kubeconfig = kubeconfigEvidence(opts.Kubeconfig, opts.Context, endpoint)
	inv.AWS = c.out
	for _, g := range c.sortedGaps() {
		inv.ReportGap(g)
	}
	inv.Inputs = append(inv.Inputs, c.input())
	return nil
}

// collector is one Collect call.
type collector struct {
	opts    Options
	clients *clients
	k8s     k8sFacts
	out     *inventory.AWS

	mu    sync.Mutex
	gaps  map[string]*gapAcc // by action
	calls int

	progressMu sync.Mutex
	onceMu     sync.Mutex
	once       map[string]*sync.Once
	// downloads bounds the image configuration downloads in flight (ecr_images.go).
	downloads chan struct{}
}

func (c *collector) input() string {
	return fmt.Sprintf("aws account %s, region %s, cluster %s", c.out.Account, c.out.Region, c.out.ClusterName)
}

func (c *collector) debugf(format string, args ...any) {
	if c.opts.Debugf != nil {
		c.opts.Debugf(format, args...)
	}
}

func (c *collector) progress(what string, done bool) {
	if c.opts.Progress == nil {
		return
	}
	c.mu.Lock()
	n := c.calls
	c.mu.Unlock()
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	c.opts.Progress(what, n, done)
}

// do runs fn once per key for the whole collection: the fetch of a resource many others
// reference (a role, a policy, a launch template version).
func (c *collector) do(key string, fn func()) {
	c.onceMu.Lock()
	o, ok := c.once[key]
	if !ok {
		o = new(sync.Once)
		c.once[key] = o
	}
	c.onceMu.Unlock()
	o.Do(fn)
}

// group runs functions concurrently and waits for them. The HTTP request bound, not the
// number of goroutines, limits the load on the APIs.
type group struct{ wg sync.WaitGroup }

func (g *group) Go(fn func()) {
	g.wg.Add(1)
	go func() { defer g.wg.Done(); fn() }()
}

func (g *group) Wait() { g.wg.Wait() }

// run collects in two waves: the first needs only the cluster name and region, the second
// what the first found.
func (c *collector) run(ctx context.Context) error {
	ident, err := c.identity(ctx)
	if err != nil {
		return err
	}
	c.out = &inventory.AWS{AWSTarget: inventory.AWSTarget{Account: ident.account, Partition: ident.partition,
		Region: c.clients.region, ClusterName: c.opts.ClusterName}}
	if c.opts.ECRUsedOnly {
		c.opts.ECRRepositories = c.usedRepositories()
	}

	var fatal error
	var g group
	g.Go(func() {
		if err := c.describeCluster(ctx); err != nil {
			fatal = err
		}
	})
	g.Go(func() { c.nodegroups(ctx) })
	g.Go(func() { c.fargateProfiles(ctx) })
	g.Go(func() { c.addons(ctx) })
	g.Go(func() { c.accessEntries(ctx) })
	g.Go(func() { c.podIdentityAssociations(ctx) })
	g.Go(func() { c.instances(ctx) })
	g.Go(func() { c.repositories(ctx) })
	g.Go(func() { c.trails(ctx) })
	g.Go(func() { c.detectors(ctx) })
	g.Go(func() { c.logGroups(ctx) })
	g.Go(func() { c.guardDutyRules(ctx) })
	g.Go(func() { c.detectiveGraphs(ctx) })
	g.Go(func() { c.fileSystems(ctx) })
	g.Go(func() { c.authorizationDetails(ctx) })
	g.Go(func() { c.credentialReport(ctx) })
	g.Go(func() { c.securityHub(ctx) })
	g.Go(func() { c.configRecorders(ctx) })
	g.Go(func() { c.secrets(ctx) })
	g.Wait()
	if fatal != nil {
		return fatal
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.progress("eks", false)

	g.Go(func() { c.network(ctx) })
	g.Go(func() { c.launchTemplates(ctx) })
	g.Go(func() { c.volumes(ctx) })
	g.Go(func() { c.images(ctx) })
	g.Go(func() { c.instanceTypes(ctx) })
	g.Go(func() { c.keys(ctx) })
	g.Go(func() { c.inspector(ctx) })
	g.Go(func() { c.managedInstances(ctx) })
	g.Go(func() { c.autoScalingGroups(ctx) })
	g.Go(func() { c.roles(ctx) })
	g.Go(func() { c.versions(ctx) })
	g.Go(func() { c.lastVersionUpdate(ctx) })
	g.Go(func() { c.ecrImages(ctx) })
	g.Go(func() { c.secretAccess(ctx) })
	g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sortModel()
	c.progress("aws", true)
	return nil
}

// sortModel puts every list in a stable order (by ARN, ID or name), so the inventory does not
// depend on scheduling.
func (c *collector) sortModel() {
	a := c.out
	s := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	sort.Slice(a.Nodegroups, func(i, j int) bool { return s(a.Nodegroups[i].NodegroupName) < s(a.Nodegroups[j].NodegroupName) })
	sort.Slice(a.FargateProfiles, func(i, j int) bool {
		return s(a.FargateProfiles[i].FargateProfileName) < s(a.FargateProfiles[j].FargateProfileName)
	})
	sort.Slice(a.Addons, func(i, j int) bool { return s(a.Addons[i].AddonName) < s(a.Addons[j].AddonName) })
	sort.Slice(a.AccessEntries, func(i, j int) bool {
		return s(a.AccessEntries[i].Entry.PrincipalArn) < s(a.AccessEntries[j].Entry.PrincipalArn)
	})
	sort.Slice(a.PodIdentityAssociations, func(i, j int) bool {
		return s(a.PodIdentityAssociations[i].AssociationId) < s(a.PodIdentityAssociations[j].AssociationId)
	})
	sort.Slice(a.AddonVersions, func(i, j int) bool { return s(a.AddonVersions[i].AddonName) < s(a.AddonVersions[j].AddonName) })
	sort.Slice(a.LaunchTemplates, func(i, j int) bool {
		x, y := a.LaunchTemplates[i].Version, a.LaunchTemplates[j].Version
		if s(x.LaunchTemplateId) != s(y.LaunchTemplateId) {
			return s(x.LaunchTemplateId) < s(y.LaunchTemplateId)
		}
		return sdkaws.ToInt64(x.VersionNumber) < sdkaws.ToInt64(y.VersionNumber)
	})
	sort.Slice(a.Instances, func(i, j int) bool { return s(a.Instances[i].InstanceId) < s(a.Instances[j].InstanceId) })
	sort.Slice(a.SecurityGroups, func(i, j int) bool { return s(a.SecurityGroups[i].GroupId) < s(a.SecurityGroups[j].GroupId) })
	sort.Slice(a.Subnets, func(i, j int) bool { return s(a.Subnets[i].SubnetId) < s(a.Subnets[j].SubnetId) })
	sort.Slice(a.VPCEndpoints, func(i, j int) bool { return s(a.VPCEndpoints[i].VpcEndpointId) < s(a.VPCEndpoints[j].VpcEndpointId) })
	sort.Slice(a.Roles, func(i, j int) bool { return s(a.Roles[i].Role.Arn) < s(a.Roles[j].Role.Arn) })
	for i := range a.Roles {
		sort.Strings(a.Roles[i].Uses)
	}
	sort.Slice(a.InstanceProfiles, func(i, j int) bool { return s(a.InstanceProfiles[i].Arn) < s(a.InstanceProfiles[j].Arn) })
	sort.Slice(a.Policies, func(i, j int) bool { return s(a.Policies[i].Policy.Arn) < s(a.Policies[j].Policy.Arn) })
	sort.Strings(a.MissingRoles)
	sort.Slice(a.Repositories, func(i, j int) bool {
		return s(a.Repositories[i].Repository.RepositoryName) < s(a.Repositories[j].Repository.RepositoryName)
	})
	sort.Slice(a.ECRImages, func(i, j int) bool {
		x, y := a.ECRImages[i].Detail, a.ECRImages[j].Detail
		if s(x.RepositoryName) != s(y.RepositoryName) {
			return s(x.RepositoryName) < s(y.RepositoryName)
		}
		return s(x.ImageDigest) < s(y.ImageDigest)
	})
	sort.Strings(a.MissingImages)
	sort.Slice(a.Keys, func(i, j int) bool { return s(a.Keys[i].Metadata.Arn) < s(a.Keys[j].Metadata.Arn) })
	sort.Slice(a.Trails, func(i, j int) bool { return s(a.Trails[i].Trail.TrailARN) < s(a.Trails[j].Trail.TrailARN) })
	sort.Slice(a.AutoScalingGroups, func(i, j int) bool {
		return s(a.AutoScalingGroups[i].Group.AutoScalingGroupName) < s(a.AutoScalingGroups[j].Group.AutoScalingGroupName)
	})
	if az := a.Authorization; az != nil {
		sort.Slice(az.Users, func(i, j int) bool { return s(az.Users[i].Arn) < s(az.Users[j].Arn) })
		sort.Slice(az.Groups, func(i, j int) bool { return s(az.Groups[i].Arn) < s(az.Groups[j].Arn) })
		sort.Slice(az.Roles, func(i, j int) bool { return s(az.Roles[i].Arn) < s(az.Roles[j].Arn) })
		sort.Slice(az.Policies, func(i, j int) bool { return s(az.Policies[i].Arn) < s(az.Policies[j].Arn) })
	}
	if cr := a.CredentialReport; cr != nil {
		sort.Slice(cr.Users, func(i, j int) bool { return cr.Users[i].ARN < cr.Users[j].ARN })
	}
	sort.Slice(a.TrailBuckets, func(i, j int) bool { return a.TrailBuckets[i].Name < a.TrailBuckets[j].Name })
	sort.Slice(a.Secrets, func(i, j int) bool {
		if a.Secrets[i].Ref != a.Secrets[j].Ref {
			return a.Secrets[i].Ref < a.Secrets[j].Ref
		}
		return a.Secrets[i].Region < a.Secrets[j].Region
	})
	sort.Slice(a.Detectors, func(i, j int) bool { return a.Detectors[i].ID < a.Detectors[j].ID })
}

// now is the collection's clock.
func (c *collector) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// clusterARN is the cluster's ARN, from DescribeCluster or built from the target.
func (c *collector) clusterARN() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.out.Cluster != nil && c.out.Cluster.Arn != nil {
		return *c.out.Cluster.Arn
	}
	return fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", c.out.Partition, c.out.Region, c.out.Account, c.out.ClusterName)
}

// add appends to the model under the lock.
func (c *collector) add(fn func(a *inventory.AWS)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.out)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
