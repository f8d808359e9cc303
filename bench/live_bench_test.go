package bench

// Live cluster scan (issue 5): a real kube-apiserver and etcd (envtest) holding 10,000 Pods
// in 100 namespaces, plus Deployments, Services, ServiceAccounts, RBAC, ConfigMaps, Secrets
// and NetworkPolicies. See bench/README.md, "Live cluster scan (issue 5)".

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/scan"
	"github.com/eksguard/eksguard/internal/source/kube"
	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
)

const (
	livePodsPerNS    = 100
	liveDeploysPerNS = 10
	liveSvcsPerNS    = 10
)

// liveStandalone (EKSGUARD_LIVE_BENCH_STANDALONE=1) creates the Pods without owners instead
// of as the Pods of the Deployments' ReplicaSets, so the checks report on every Pod rather
// than once per Deployment (POD_SPEC_SOURCES): the worst case for the checks.
var liveStandalone = os.Getenv("EKSGUARD_LIVE_BENCH_STANDALONE") != ""

// liveNamespaces is 100 (10,000 Pods) unless EKSGUARD_LIVE_BENCH_PODS asks for fewer Pods
// (hack/test runs the benchmarks once, to see that they work, with 1,000).
var liveNamespaces = func() int {
	if n, err := strconv.Atoi(os.Getenv("EKSGUARD_LIVE_BENCH_PODS")); err == nil && n > 0 {
		return max(1, n/livePodsPerNS)
	}
	return 100
}()

// liveCluster is the loaded control plane, shared by the benchmarks of one test binary.
type liveCluster struct {
	env        *kubetest.Env
	kubeconfig string
	objects    int // objects created
	loadTime   time.Duration
}

var (
	liveOnce sync.Once
	live     *liveCluster
	liveErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if live != nil {
		if err := live.env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "kubetest: stop:", err)
		}
	}
	os.Exit(code)
}

func loadedCluster(b *testing.B) *liveCluster {
	b.Helper()
	liveOnce.Do(func() {
		env, err := kubetest.Start()
		if err != nil {
			liveErr = err
			return
		}
		live = &liveCluster{env: env}
		dir, err := os.MkdirTemp("", "eksguard-live-bench-")
		if err != nil {
			liveErr = err
			return
		}
		if live.kubeconfig, err = env.WriteKubeconfig(dir, "bench", ""); err != nil {
			liveErr = err
			return
		}
		start := time.Now()
		live.objects, liveErr = loadObjects(env.Config)
		live.loadTime = time.Since(start)
	})
	if liveErr != nil {
		b.Fatal(liveErr)
	}
	return live
}

// loadObjects creates the namespaces and then everything in them, 16 requests at a time
// with no client-side rate limit.
func loadObjects(cfg *rest.Config) (int, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var creates []func() error
	opts := metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"}
	for n := range liveNamespaces {
		ns := fmt.Sprintf("team-%03d", n)
		if _, err := cs.CoreV1().Namespaces().Create(ctx, namespace(ns, n), opts); err != nil {
			return 0, err
		}
		creates = append(creates,
			func() error {
				_, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, serviceAccount(ns, "default"), opts)
				return err
			},
			func() error {
				_, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, serviceAccount(ns, "app"), opts)
				return err
			},
			func() error { _, err := cs.RbacV1().Roles(ns).Create(ctx, role(ns), opts); return err },
			func() error { _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, roleBinding(ns), opts); return err },
			func() error { _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, configMap(ns), opts); return err },
			func() error { _, err := cs.CoreV1().Secrets(ns).Create(ctx, secret(ns), opts); return err },
		)
		if n%2 == 0 {
			creates = append(creates, func() error {
				_, err := cs.NetworkingV1().NetworkPolicies(ns).Create(ctx, defaultDeny(ns), opts)
				return err
			})
		}
		for i := range liveDeploysPerNS {
			// A Deployment, and unless the Pods are standalone, what its controllers would make:
			// a ReplicaSet it owns and the Pods that one owns.
			creates = append(creates, func() error {
				d, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment(ns, n, i), opts)
				if err != nil || liveStandalone {
					return err
				}
				rs, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, replicaSet(d), opts)
				if err != nil {
					return err
				}
				for j := range livePodsPerNS / liveDeploysPerNS {
					if _, err := cs.CoreV1().Pods(ns).Create(ctx, ownedPod(rs, j), opts); err != nil {
						return err
					}
				}
				return nil
			})
		}
		for i := range liveSvcsPerNS {
			creates = append(creates, func() error { _, err := cs.CoreV1().Services(ns).Create(ctx, service(ns, i), opts); return err })
		}
		if liveStandalone {
			for i := range livePodsPerNS {
				creates = append(creates, func() error { _, err := cs.CoreV1().Pods(ns).Create(ctx, pod(ns, n, i), opts); return err })
			}
		}
	}
	// A cluster-wide binding per team, so the RBAC checks see ClusterRoleBindings to subjects.
	for n := range liveNamespaces {
		ns := fmt.Sprintf("team-%03d", n)
		creates = append(creates, func() error {
			_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: ns + "-view"},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
				Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "app", Namespace: ns}},
			}, opts)
			return err
		})
	}
	work := make(chan func() error)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for create := range work {
				if err := create(); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for _, c := range creates {
		work <- c
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	objects := liveNamespaces + len(creates)
	if !liveStandalone { // each Deployment's task also made a ReplicaSet and its Pods
		objects += liveNamespaces * liveDeploysPerNS * (1 + livePodsPerNS/liveDeploysPerNS)
	}
	return objects, nil
}

func labels(app string, n int) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": fmt.Sprintf("team-%03d", n),
		"app.kubernetes.io/version": "1.4.2", "app.kubernetes.io/managed-by": "Helm",
	}
}

func namespace(name string, n int) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": name}}}
	if enforcesBaseline(n) {
		ns.Labels["pod-security.kubernetes.io/enforce"] = "baseline"
		ns.Labels["pod-security.kubernetes.io/warn"] = "restricted"
	}
	return ns
}

func serviceAccount(ns, name string) *corev1.ServiceAccount {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	if name == "app" {
		sa.Annotations = map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/" + ns + "-app"}
	}
	return sa
}

func role(ns string) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps", "pods"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}, ResourceNames: []string{"app-credentials"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "patch"}},
	}}
}

func roleBinding(ns string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "app"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "app", Namespace: ns}}}
}

func configMap(ns string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config", Namespace: ns},
		Data: map[string]string{"LOG_LEVEL": "info", "config.yaml": strings.Repeat("key: value\n", 40)}}
}

func secret(ns string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app-credentials", Namespace: ns},
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("not-read-by-eksguard")}}
}

func defaultDeny(ns string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default-deny", Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}}
}

// enforcesBaseline: a third of the namespaces enforce PSS baseline; their pods comply.
func enforcesBaseline(n int) bool { return n%3 == 1 }

// podSpec is a typical two-container pod: an app with env, probes, resources and volumes
// and a log-shipping sidecar; every fourth one has a typical mistake or two.
func podSpec(n, i int) corev1.PodSpec {
	app := fmt.Sprintf("svc-%d", i%liveDeploysPerNS)
	spec := corev1.PodSpec{
		ServiceAccountName: "app",
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(int64(10001)),
			FSGroup: ptr.To(int64(10001)), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{
			Name:  "app",
			Image: fmt.Sprintf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team-%03d/%s:1.4.2", n, app),
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			Env: []corev1.EnvVar{
				{Name: "LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "app-config"}, Key: "LOG_LEVEL"}}},
				{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "app-credentials"}, Key: "password"}}},
				{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				{Name: "AWS_REGION", Value: "eu-west-1"},
			},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
			},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}}, PeriodSeconds: 5},
			LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}, InitialDelaySeconds: 10},
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/app", ReadOnly: true}, {Name: "tmp", MountPath: "/tmp"}},
		}, {
			Name:      "log-shipper",
			Image:     "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")}},
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/var/log/app", ReadOnly: true}},
		}},
		Volumes: []corev1.Volume{
			{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app-config"}}}},
			{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
	}
	switch i % 8 {
	case 1:
		spec.Containers[0].SecurityContext = &corev1.SecurityContext{RunAsUser: ptr.To(int64(0))}
		spec.SecurityContext.RunAsNonRoot = nil
	case 3:
		spec.Containers[0].Image = "nginx:latest"
		spec.Containers[0].Resources = corev1.ResourceRequirements{}
	case 5:
		if enforcesBaseline(n) {
			break
		}
		spec.HostNetwork = n%10 == 0
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "logs", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}})
	}
	return spec
}

func deployment(ns string, n, i int) *appsv1.Deployment {
	app := fmt.Sprintf("svc-%d", i)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns, Labels: labels(app, n)},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(livePodsPerNS / liveDeploysPerNS)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": app}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels(app, n)}, Spec: podSpec(n, i)},
		},
	}
}

// replicaSet is the ReplicaSet the deployment controller would make for d.
func replicaSet(d *appsv1.Deployment) *appsv1.ReplicaSet {
	const hash = "7d9f8c6b5"
	tmpl := *d.Spec.Template.DeepCopy()
	tmpl.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	sel := d.Spec.Selector.DeepCopy()
	sel.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-" + hash, Namespace: d.Namespace, Labels: tmpl.Labels,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": fmt.Sprint(*d.Spec.Replicas)},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: sel, Template: tmpl},
	}
}

// ownedPod is the j-th Pod the replica set controller would make for rs.
func ownedPod(rs *appsv1.ReplicaSet, j int) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%05d", rs.Name, j), Namespace: rs.Namespace, Labels: rs.Spec.Template.Labels,
			Annotations:     map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-11-20T10:00:00Z", "prometheus.io/scrape": "true"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}},
		Spec: *rs.Spec.Template.Spec.DeepCopy(),
	}
}

// pod is a Pod as a ReplicaSet makes it, but standalone (EKSGUARD_LIVE_BENCH_STANDALONE):
// every one is checked on its own, the most check work 10,000 Pods can cause.
func pod(ns string, n, i int) *corev1.Pod {
	app := fmt.Sprintf("svc-%d", i%liveDeploysPerNS)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-7d9f8c6b5-%05d", app, i), Namespace: ns, Labels: labels(app, n),
			Annotations: map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-11-20T10:00:00Z", "prometheus.io/scrape": "true"}},
		Spec: podSpec(n, i),
	}
}

// service: two ClusterIP Services per namespace, the rest headless, since envtest's service
// range (10.0.0.0/24) has 253 addresses to give.
func service(ns string, i int) *corev1.Service {
	app := fmt.Sprintf("svc-%d", i)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app.kubernetes.io/name": app},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}}
	if i >= 2 {
		svc.Spec.ClusterIP = corev1.ClusterIPNone
	}
	return svc
}

// listTarget is one resource the collector lists.
type listTarget struct {
	gvr        schema.GroupVersionResource
	namespaced bool
}

// collectedTargets runs kube.Collect once and maps the kinds it reported to resources, so the
// bare LIST baseline lists exactly what the collector lists.
func collectedTargets(b *testing.B, cfg *rest.Config) []listTarget {
	b.Helper()
	var kinds []string
	_, err := kube.Collect(context.Background(), kube.Options{RESTConfig: cfg, Cluster: "bench", Progress: func(kind string, _ int, done bool) {
		if done {
			kinds = append(kinds, kind)
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	var targets []listTarget
	for _, k := range kinds {
		m, err := mapper.RESTMapping(schema.ParseGroupKind(k))
		if err != nil {
			b.Fatalf("map %s: %v", k, err)
		}
		targets = append(targets, listTarget{m.Resource, m.Scope.Name() == meta.RESTScopeNameNamespace})
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].gvr.String() < targets[j].gvr.String() })
	return targets
}

// bareLists pages through every target as the collector does: the dynamic client (JSON,
// decoded to unstructured) for everything, the metadata client with one field selector per
// Secret type for Secrets, kube.DefaultConcurrency lists at once, kube.DefaultPageSize per
// page and the collector's client-side rate limits. Items are counted and dropped.
func bareLists(ctx context.Context, cfg *rest.Config, targets []listTarget) (int, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst, cfg.Timeout = kube.DefaultQPS, kube.DefaultBurst, kube.DefaultRequestTimeout
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	secretSelectors := []string{
		fields.OneTermEqualSelector("type", string(corev1.SecretTypeServiceAccountToken)).String(),
		fields.OneTermEqualSelector("type", string(corev1.SecretTypeOpaque)).String(),
		fields.OneTermEqualSelector("type", string(corev1.SecretTypeTLS)).String(),
		"type!=" + string(corev1.SecretTypeServiceAccountToken) + ",type!=" + string(corev1.SecretTypeOpaque) + ",type!=" + string(corev1.SecretTypeTLS),
	}
	var mu sync.Mutex
	total := 0
	var firstErr error
	sem := make(chan struct{}, kube.DefaultConcurrency)
	var wg sync.WaitGroup
	for _, t := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			n := 0
			var err error
			if t.gvr.Group == "" && t.gvr.Resource == "secrets" {
				for _, sel := range secretSelectors {
					opts := metav1.ListOptions{Limit: kube.DefaultPageSize, FieldSelector: sel}
					for err == nil {
						var list *metav1.PartialObjectMetadataList
						if list, err = md.Resource(t.gvr).List(ctx, opts); err == nil {
							n += len(list.Items)
							if opts.Continue = list.Continue; opts.Continue == "" {
								break
							}
						}
					}
				}
			} else {
				opts := metav1.ListOptions{Limit: kube.DefaultPageSize}
				for err == nil {
					list, lerr := dyn.Resource(t.gvr).List(ctx, opts)
					if err = lerr; err == nil {
						n += len(list.Items)
						if opts.Continue = list.GetContinue(); opts.Continue == "" {
							break
						}
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("list %s: %w", t.gvr, err)
			}
		})
	}
	wg.Wait()
	return total, firstErr
}

// collectAndScan is what eksguard cluster does between connecting and rendering the report:
// kube.Collect and every check of a cluster scan. collected is the time kube.Collect took.
func collectAndScan(ctx context.Context, cfg *rest.Config) (objects, findings int, collected time.Duration, err error) {
	opts := scan.Options{Sources: []check.Source{check.SourceK8sObjects, check.SourceK8sRBAC}}
	plan, err := scan.Plan(opts)
	if err != nil {
		return 0, 0, 0, err
	}
	start := time.Now()
	inv, err := kube.Collect(ctx, kube.Options{RESTConfig: cfg, Cluster: "bench"})
	if err != nil {
		return 0, 0, 0, err
	}
	collected = time.Since(start)
	res, err := plan.Run(ctx, inv, opts)
	if err != nil {
		return 0, 0, 0, err
	}
	if path := os.Getenv("EKSGUARD_BENCH_HEAPPROFILE"); path != "" {
		// What is live once the checks ran (inventory and findings): the heap the CLI holds
		// while it writes the report.
		runtime.GC()
		f, err := os.Create(path)
		if err != nil {
			return 0, 0, 0, err
		}
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, 0, 0, err
		}
	}
	runtime.KeepAlive(inv)
	return len(inv.Objects), len(res.Findings), collected, nil
}

// cpuSample is CPU seconds used so far by this process (client) and by the kube-apiserver and
// etcd it started (server).
type cpuSample struct{ client, server float64 }

type phaseCPU struct{ client, server float64 }

// add accumulates the CPU used since from.
func (p *phaseCPU) add(from cpuSample) {
	now := readCPU()
	p.client += now.client - from.client
	p.server += now.server - from.server
}

func readCPU() cpuSample {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	s := cpuSample{client: tv(ru.Utime) + tv(ru.Stime)}
	entries, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime(14) stime(15)
		closing := bytes.LastIndexByte(data, ')')
		open := bytes.IndexByte(data, '(')
		if open < 0 || closing < open {
			continue
		}
		comm := string(data[open+1 : closing])
		f := strings.Fields(string(data[closing+2:]))
		if len(f) < 13 || f[1] != me || (comm != "kube-apiserver" && comm != "etcd") {
			continue
		}
		ut, _ := strconv.ParseFloat(f[11], 64)
		st, _ := strconv.ParseFloat(f[12], 64)
		s.server += (ut + st) / 100 // USER_HZ
	}
	return s
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func median(xs []time.Duration) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkLiveCluster10k times, in the same run and alternating so that load on a shared
// machine hits both alike: (list) the bare paged LIST calls of every resource the collector
// lists, with the same client settings, and (collect+scan) kube.Collect plus every check of a
// cluster scan. It reports the medians, their ratio (target: at most 1.5) and, once, the
// wall time and peak RSS of the real CLI, eksguard cluster -o json, measured like
// /usr/bin/time -v does (the child's getrusage ru_maxrss; target: under 500 MiB).
func BenchmarkLiveCluster10k(b *testing.B) {
	lc := loadedCluster(b)
	cfg := lc.env.Config
	ctx := context.Background()
	targets := collectedTargets(b, cfg) // also warms the server's caches
	layout := "owned by the ReplicaSets of the Deployments"
	if liveStandalone {
		layout = "standalone"
	}
	b.Logf("loaded %d objects (%d Pods in %d namespaces, %s) in %s; the collector lists %d resources",
		lc.objects, liveNamespaces*livePodsPerNS, liveNamespaces, layout, lc.loadTime.Round(time.Second), len(targets))

	// Wall time is what the target is about; CPU time, the benchmark's own (client) and the
	// API server's and etcd's (server), says where it goes and varies less when other jobs
	// share the machine.
	var lists, collects, collectOnly []time.Duration
	var listCPU, collectCPU phaseCPU
	var listed, objects, findings int
	b.ResetTimer()
	for b.Loop() {
		start, cpu := time.Now(), readCPU()
		n, err := bareLists(ctx, cfg, targets)
		if err != nil {
			b.Fatal(err)
		}
		lists = append(lists, time.Since(start))
		listCPU.add(cpu)
		listed = n

		start, cpu = time.Now(), readCPU()
		var collected time.Duration
		if objects, findings, collected, err = collectAndScan(ctx, cfg); err != nil {
			b.Fatal(err)
		}
		collects = append(collects, time.Since(start))
		collectOnly = append(collectOnly, collected)
		collectCPU.add(cpu)
	}
	b.StopTimer()
	if objects != listed {
		b.Errorf("the collector kept %d objects, the bare lists returned %d", objects, listed)
	}
	// go test keeps only the first lines a benchmark logs: one line for all runs.
	var perRun []string
	for i := range lists {
		perRun = append(perRun, fmt.Sprintf("list %.2f s, collect+scan %.2f s (collect %.2f + checks %.2f) = %.2fx", lists[i].Seconds(),
			collects[i].Seconds(), collectOnly[i].Seconds(), (collects[i]-collectOnly[i]).Seconds(), collects[i].Seconds()/lists[i].Seconds()))
	}
	b.Logf("runs: %s", strings.Join(perRun, "; "))
	runs := float64(len(lists))
	b.Logf("CPU per run: list: client %.2f s, server %.2f s; collect+scan: client %.2f s, server %.2f s",
		listCPU.client/runs, listCPU.server/runs, collectCPU.client/runs, collectCPU.server/runs)
	ml, mc := median(lists), median(collects)
	b.ReportMetric(ml.Seconds(), "list-s")
	b.ReportMetric(mc.Seconds(), "collect+scan-s")
	b.ReportMetric(median(collectOnly).Seconds(), "collect-s")
	b.ReportMetric(mc.Seconds()/ml.Seconds(), "ratio")
	b.ReportMetric((collectCPU.client+collectCPU.server)/(listCPU.client+listCPU.server), "cpu-ratio")
	b.ReportMetric(float64(objects), "objects")
	b.ReportMetric(float64(findings), "findings")

	bin := buildCLI(b)
	if wall, rss, err := cliRun(b, bin, lc.kubeconfig, nil); err != nil {
		b.Error(err)
	} else {
		b.ReportMetric(wall.Seconds(), "cli-wall-s")
		b.ReportMetric(float64(rss)/1024, "cli-peak-RSS-MiB")
	}
	// What a soft memory limit would buy (the manifest scan sets one; see memory.go).
	if _, rss, err := cliRun(b, bin, lc.kubeconfig, []string{"GOMEMLIMIT=300MiB"}); err != nil {
		b.Error(err)
	} else {
		b.ReportMetric(float64(rss)/1024, "cli-peak-RSS-MiB-GOMEMLIMIT=300MiB")
	}
}

func buildCLI(b *testing.B) string {
	b.Helper()
	root, err := kubetest.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "eksguard")
	build := exec.Command("go", "build", "-o", bin, "./cmd/eksguard")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cliRun runs eksguard cluster on the loaded cluster with env added to the environment,
// under /usr/bin/time -v where it exists (its figures are logged), and returns wall time and
// peak RSS in KiB (the child's getrusage ru_maxrss, which is what /usr/bin/time reports).
func cliRun(b *testing.B, bin, kubeconfig string, env []string) (time.Duration, int64, error) {
	args := []string{"cluster", "--kubeconfig", kubeconfig, "-o", "json", "--quiet"}
	var cmd *exec.Cmd
	timeLog := filepath.Join(b.TempDir(), "time.log")
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		cmd = exec.Command("/usr/bin/time", append([]string{"-v", "-o", timeLog, bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	var stdout countWriter
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) { // 1: findings above --fail-on
		return 0, 0, fmt.Errorf("eksguard cluster: %v\n%s", err, stderr.String())
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	if data, err := os.ReadFile(timeLog); err == nil {
		// /usr/bin/time measured eksguard itself (its own rusage is the same child's).
		if m := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`).FindSubmatch(data); m != nil {
			rss, _ = strconv.ParseInt(string(m[1]), 10, 64)
		}
	}
	b.Logf("%s%s > /dev/null: %.2f s wall, %.1f MiB peak RSS, %d bytes of JSON report", strings.Join(append(slices.Clone(env), ""), " "),
		strings.Join(cmd.Args, " "), wall.Seconds(), float64(rss)/1024, stdout.n)
	return wall, rss, nil
}

// countWriter counts the report's bytes and drops them.
type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
