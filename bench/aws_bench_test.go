package bench

// AWS audit (issue 6): one moto account holding 20 EKS clusters with 100 managed node groups
// (each with its own launch template and a running instance), 300 IAM roles (the cluster and
// node roles and 13 IRSA roles per cluster, each with an inline policy) and 200 ECR
// repositories with lifecycle policies. Each benchmark iteration audits every cluster's AWS
// side, as 20 runs of eksguard aws would. See bench/README.md, "AWS audit (issue 6)".

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/inventory"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
	"github.com/eksguard/eksguard/internal/source/aws/awstest"
)

// The benchmark account's size.
const (
	awsBenchClusters     = 20
	awsBenchNodegroups   = 5  // per cluster: 100
	awsBenchIRSARoles    = 13 // per cluster, plus the cluster and node roles: 300 roles
	awsBenchRepositories = 200
)

// awsBenchAccount is the account, built once per test binary.
var awsBenchAccount struct {
	once sync.Once
	srv  *awstest.Server
	acct *awstest.Account
	// irsa are each cluster's ServiceAccounts annotated with its IRSA roles.
	irsa  [][]*inventory.Object
	setup time.Duration
	err   error
}

func awsBench(tb testing.TB) *awstest.Account {
	tb.Helper()
	b := &awsBenchAccount
	srv := awstest.Shared(tb)
	b.once.Do(func() {
		start := time.Now()
		b.srv, b.acct = srv, srv.NewAccount(nil)
		b.err = buildAWSBenchAccount(context.Background(), b.acct)
		b.setup = time.Since(start)
	})
	if b.err != nil {
		tb.Fatalf("build the benchmark account: %v\nmoto's last lines:\n%s", b.err, srv.RecentLog())
	}
	return b.acct
}

func buildAWSBenchAccount(ctx context.Context, acct *awstest.Account) error {
	b := &awsBenchAccount
	b.irsa = make([][]*inventory.Object, awsBenchClusters)
	// moto serves requests on threads: build the clusters and repositories a few at a time.
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	run := func(fn func() error) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	// The first IAM call of an account loads moto's AWS managed policies: make it alone.
	if _, err := acct.CreateRole(ctx, "bench-warmup", `{"Version":"2012-10-17","Statement":[]}`, ""); err != nil {
		return err
	}
	for c := range awsBenchClusters {
		run(func() error {
			name := fmt.Sprintf("bench-%02d", c)
			if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: name, Public: c%2 == 0, Private: true, Logging: []string{"audit"},
				Encrypt: c%4 == 0, Nodegroups: awsBenchNodegroups, IMDSv2: c%3 != 0, Version: "1.31"}); err != nil {
				return err
			}
			var sas []*inventory.Object
			for i := range awsBenchIRSARoles {
				role := fmt.Sprintf("%s-app-%02d", name, i)
				trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + acct.ID +
					`:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/` + name + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
				arn, err := acct.CreateRole(ctx, role, trust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
				if err != nil {
					return err
				}
				sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app-" + strconv.Itoa(i), Namespace: "apps",
					Annotations: map[string]string{awssource.IRSAAnnotation: arn}}}
				sas = append(sas, &inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "apps", Name: sa.Name}, Typed: sa})
			}
			b.irsa[c] = sas
			return nil
		})
	}
	lifecycle := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}`
	for i := range awsBenchRepositories {
		run(func() error {
			return acct.CreateRepository(ctx, fmt.Sprintf("team-%02d/app-%03d", i%10, i), lifecycle, "")
		})
	}
	run(func() error { return acct.CreateTrail(ctx, "org") })
	run(func() error { _, err := acct.CreateDetector(ctx); return err })
	wg.Wait()
	return first
}

// auditedClusters is how many clusters each benchmark iteration audits: all 20, or
// EKSGUARD_AWS_BENCH_CLUSTERS (hack/test audits 2: it only checks that the benchmark works).
func auditedClusters() int {
	if n, err := strconv.Atoi(os.Getenv("EKSGUARD_AWS_BENCH_CLUSTERS")); err == nil && n > 0 && n < awsBenchClusters {
		return n
	}
	return awsBenchClusters
}

// auditAll collects the AWS side of the audited clusters of the account, one after the other.
func auditAll(ctx context.Context, acct *awstest.Account, concurrency int, onCall func(string)) error {
	for c := range auditedClusters() {
		inv := &inventory.Inventory{}
		inv.Add(awsBenchAccount.irsa[c]...)
		err := awssource.Collect(ctx, inv, awssource.Options{ClusterName: fmt.Sprintf("bench-%02d", c), Region: awstest.Region,
			BaseEndpoint: awsBenchAccount.srv.URL, Credentials: awstest.Credentials, APIOptions: acct.APIOptions(),
			Concurrency: concurrency, Kubeconfig: os.DevNull, OnCall: onCall})
		if err != nil {
			return err
		}
		if len(inv.Gaps) > 0 {
			return fmt.Errorf("cluster %d: gaps %+v", c, inv.Gaps)
		}
	}
	return nil
}

// BenchmarkAWSAudit audits the 20 clusters at the default concurrency and one request at a
// time, on loopback moto as is, and with 20 ms added to every response (closer to a real
// region's latency, where concurrency pays).
func BenchmarkAWSAudit(b *testing.B) {
	acct := awsBench(b)
	b.Logf("account set up in %v", awsBenchAccount.setup.Round(time.Millisecond))
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		for _, conc := range []int{awssource.DefaultConcurrency, 1} {
			b.Run(fmt.Sprintf("latency=%v/concurrency=%d", latency, conc), func(b *testing.B) {
				acct.Delay(latency)
				defer acct.Delay(0)
				var calls int
				var mu sync.Mutex
				b.ResetTimer()
				for range b.N {
					if err := auditAll(context.Background(), acct, conc, func(string) { mu.Lock(); calls++; mu.Unlock() }); err != nil {
						b.Fatal(err)
					}
				}
				n := float64(b.N * auditedClusters())
				b.ReportMetric(float64(calls)/n, "calls/cluster")
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/n, "ms/cluster")
			})
		}
	}
}

// TestAWSAuditCallCount audits every cluster of the benchmark account and holds the number
// of API calls to what the account holds: no request repeats another (no resource is fetched
// twice), and the per-resource calls match the resources.
func TestAWSAuditCallCount(t *testing.T) {
	acct := awsBench(t)
	t.Logf("account set up in %v", awsBenchAccount.setup.Round(time.Millisecond))
	for c := range 4 { // the variants repeat every 4 clusters (public/private, encrypted, IMDSv2)
		acct.ResetStats()
		inv := &inventory.Inventory{}
		inv.Add(awsBenchAccount.irsa[c]...)
		err := awssource.Collect(context.Background(), inv, awssource.Options{ClusterName: fmt.Sprintf("bench-%02d", c), Region: awstest.Region,
			BaseEndpoint: awsBenchAccount.srv.URL, Credentials: awstest.Credentials, APIOptions: acct.APIOptions(), Kubeconfig: os.DevNull})
		if err != nil {
			t.Fatal(err)
		}
		for sig, n := range acct.Repeated() {
			t.Errorf("cluster %d: request made %d times: %s", c, n, sig)
		}
		roles := 2 + awsBenchIRSARoles // cluster role, node role, IRSA roles
		encrypted := 0
		if c%4 == 0 {
			encrypted = 1
		}
		calls := acct.Calls()
		for action, want := range map[string]int{
			"sts:GetCallerIdentity":              1,
			"eks:DescribeCluster":                1,
			"eks:DescribeNodegroup":              awsBenchNodegroups,
			"ec2:DescribeLaunchTemplateVersions": awsBenchNodegroups,
			"ec2:DescribeInstances":              3, // one query per cluster tag
			"iam:GetInstanceProfile":             1, // the node groups share one
			"iam:GetRole":                        roles,
			"iam:ListAttachedRolePolicies":       roles,
			"iam:ListRolePolicies":               roles,
			"iam:GetRolePolicy":                  awsBenchIRSARoles,
			"ecr:GetLifecyclePolicy":             awsBenchRepositories,
			"ecr:GetRepositoryPolicy":            awsBenchRepositories,
			"kms:DescribeKey":                    encrypted,
			"kms:GetKeyRotationStatus":           encrypted,
			"cloudtrail:GetTrailStatus":          1,
			"guardduty:GetDetector":              1,
		} {
			if calls[action] != want {
				t.Errorf("cluster %d: %s called %d times, want %d", c, action, calls[action], want)
			}
		}
		if c == 0 {
			total := 0
			for _, n := range calls {
				total += n
			}
			t.Logf("API calls to audit one cluster: %d (%v)", total, calls)
		}
		if got := len(inv.AWS.Roles); got != roles {
			t.Errorf("cluster %d: %d roles collected, want %d", c, got, roles)
		}
	}
}
